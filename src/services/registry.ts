import type { BackendDefinition } from './contract.js';

/**
 * The typed map from `service_type`/`backend` to backend definitions. The core takes
 * a registry as a parameter and never imports a backend itself.
 */
export class BackendRegistry {
  constructor(private readonly definitions: readonly BackendDefinition[]) {}

  /** The backend a service selects, or undefined when none is registered for it. */
  resolve(serviceType: string, backend?: string): BackendDefinition | undefined {
    const forType = this.definitions.filter((d) => d.serviceTypes.includes(serviceType));
    if (backend === undefined) return forType.find((d) => d.isDefault) ?? (forType.length === 1 ? forType[0] : undefined);
    return forType.find((d) => d.backend === backend);
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
