"""VectorDBBench's own CLI, with one fix for its 2.0.0 Chroma runner.

ChromaIndexConfig inherits `host: SecretStr = "localhost"` from ChromaConfig; pydantic
does not validate defaults, so the index config holds a plain str, and hashing it for the
result's reuse key fails ("'str' object has no attribute 'get_secret_value'") before any
vector is loaded. The default becomes a real SecretStr here, in this process, before the
CLI builds the config (the spawned workers receive the built object). Nothing else changes.
"""
import sys

# Its workers are spawned, and spawning re-imports this file: only the parent runs the CLI.
if __name__ == "__main__":
    from pydantic import SecretStr
    from vectordb_bench.backend.clients.chroma import config as chroma_config

    chroma_config.ChromaIndexConfig.model_fields["host"].default = SecretStr("localhost")
    chroma_config.ChromaIndexConfig.model_rebuild(force=True)

    from vectordb_bench.cli.vectordbbench import cli

    sys.exit(cli())
