import { BackendRegistry } from './registry.js';
import { fileStorageDefinition } from './file_storage/posix/definition.js';
import { httpDefinition } from './http/definition.js';
import { openaiDefinition } from './llm/openai/definition.js';
import { ollamaDefinition } from './llm/ollama/definition.js';
import { tritonDefinition } from './llm/triton/definition.js';
import { s3Definition } from './s3/aws/definition.js';
import { postgresDefinition } from './database/postgres/definition.js';
import { pgliteDefinition } from './database/pglite/definition.js';
import { chromaDefinition } from './vectordb/chromadb/definition.js';
import { faissDefinition } from './vectordb/faiss/definition.js';
import { weaviateDefinition } from './vectordb/weaviate/definition.js';
import { pgvectorDefinition } from './vectordb/pgvector/definition.js';
import { redisDefinition } from './keyvalue/redis/definition.js';

/**
 * Every backend that ships with aifb. Definitions are light (zod shapes only); each
 * backend's module, with its SDK, loads only when a recipe uses it.
 */
export const builtinRegistry = new BackendRegistry([
  fileStorageDefinition,
  httpDefinition,
  openaiDefinition,
  ollamaDefinition,
  tritonDefinition,
  s3Definition,
  postgresDefinition,
  pgliteDefinition,
  chromaDefinition,
  faissDefinition,
  weaviateDefinition,
  pgvectorDefinition,
  redisDefinition,
]);

/** The registry under the name service threads import it by (engine/threads/entry.ts). */
export const registry = builtinRegistry;
/** This module, for service threads to load the built-in backends from. */
export const CATALOG_MODULE = import.meta.url;
