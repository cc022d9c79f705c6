import type { BackendDefinition } from './contract.js';

/**
 * The typed map from `service_type`/`backend` to backend definitions. The core takes
 * a registry as a parameter and never imports a backend itself.
 */
export class BackendRegistry {
  constructor(private readonly definitions: readonly BackendDefinition[]) {}

  /**
   * The backend a service selects, or undefined when none is registered for it. Besides
   * its own name, a backend answers to its aliases, and the type's default answers to
   * the type's name (`service_type: vllm, backend: vllm`, as the seed's recipes may say).
   */
  resolve(serviceType: string, backend?: string): BackendDefinition | undefined {
    const forType = this.definitions.filter((d) => d.serviceTypes.includes(serviceType));
    const byDefault = () => forType.find((d) => d.isDefault) ?? (forType.length === 1 ? forType[0] : undefined);
    if (backend === undefined) return byDefault();
    const named = forType.find((d) => d.backend === backend) ?? forType.find((d) => d.aliases?.includes(backend));
    if (named) return named;
    return backend === serviceType ? byDefault() : undefined;
  }

  all(): readonly BackendDefinition[] {
    return this.definitions;
  }

  /** Service types that have at least one backend. */
  types(): string[] {
    return [...new Set(this.definitions.flatMap((d) => d.serviceTypes))];
  }

  /** A short list for messages: `file_storage, http, vectordb/chromadb`. */
  describe(): string {
    return this.definitions
      .map((d) => (d.backend && !d.isDefault ? `${d.serviceTypes[0]}/${d.backend}` : d.serviceTypes.join('|')))
      .join(', ');
  }
}
