"""Writes the tiny random-weight llama model the LLM tests serve, and a Hugging Face
tokenizer folder that tokenizes exactly as the model's own tokenizer does.

    python tiny-gguf.py OUT_DIR      ->  OUT_DIR/tiny.gguf, OUT_DIR/tokenizer/{tokenizer.json,...}

The tokenizer is byte-level BPE (GPT-2 style, llama.cpp's "gpt2" model with the "gpt-2"
pre-tokenizer): the 256 byte symbols make any text tokenize, and merges build whole words,
first the words aifb's prompt generator draws from (so each is one token, as aifb estimates),
then a few thousand made-up syllable words so the vocabulary is large and an end-of-text
token is rarely sampled from the random weights. Everything is deterministic: the same
script writes the same files, which setup keys its cache folder on.
"""
import json
import os
import sys

import numpy as np
import gguf
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

N_EMBD, N_HEAD, N_HEAD_KV, N_LAYER, N_FF, N_CTX = 64, 4, 4, 2, 128, 4096
VOCAB_SIZE = 4000
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# aifb's prompt words (src/services/llm/common/prompts.ts) and the simulator's vocabulary.
AIFB_WORDS = (
    "the of and to in is it that for on with as was at by an be this from or are not but have one all we can "
    "more data model token node graph cache query batch layer vector tensor kernel memory server stream cluster "
    "compute network storage latency rate load queue time step rank head block page core job task run test gpu"
).split()


def byte_symbols():
    """GPT-2's printable stand-in for each byte (what byte-level BPE vocabularies spell tokens with)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


def made_up_words(n):
    onsets = ["", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st", "tr", "pl", "gr"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ou"]
    codas = ["", "n", "r", "s", "t", "l", "m", "nd", "st"]
    out = []
    for o in onsets:
        for v in vowels:
            for c in codas:
                out.append(o + v + c)
    return out[:n]


def build_vocab():
    """Byte-level BPE trained on a made-up corpus: aifb's words most often, so each becomes
    one token, then syllable words. Merges come from training, so applying them by rank
    (as llama.cpp and Hugging Face both do) rebuilds whole words."""
    corpus = []
    for w in AIFB_WORDS:
        corpus += [" " + w] * 2000 + [w] * 200
    for i, w in enumerate(made_up_words(1400)):
        corpus += [" " + w] * (40 + (i * 7919) % 50) + [w] * 5
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, min_frequency=1, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train_from_iterator(corpus, trainer=trainer)
    model = json.loads(tok.to_str())["model"]
    vocab = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    tokens = [t for t, _ in vocab]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    assert all(b in tokens for b in byte_symbols()), "every byte must be a token"
    tokens += SPECIALS
    assert len(set(tokens)) == len(tokens)
    return tokens, merges


def write_tokenizer(out, tokens, merges):
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": None,
            "eos_token": "<|im_end|>",
            "unk_token": None,
            "pad_token": "<|endoftext|>",
            "add_bos_token": False,
            "model_max_length": N_CTX,
            "chat_template": CHAT_TEMPLATE,
        }, f, indent=1)
    with open(os.path.join(out, "special_tokens_map.json"), "w") as f:
        json.dump({"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}, f, indent=1)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"model_type": "llama", "vocab_size": len(tokens), "hidden_size": N_EMBD,
                   "num_hidden_layers": N_LAYER, "num_attention_heads": N_HEAD,
                   "max_position_embeddings": N_CTX}, f, indent=1)


def write_gguf(path, tokens, merges):
    rng = np.random.default_rng(21)
    n_vocab = len(tokens)
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("aifb-tiny")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_rope_freq_base(10000.0)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    types = [gguf.TokenType.CONTROL if t in SPECIALS else gguf.TokenType.NORMAL for t in tokens]
    w.add_token_types(types)
    w.add_token_merges([f"{a} {b}" for a, b in merges])
    w.add_bos_token_id(tokens.index("<|endoftext|>"))
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_pad_token_id(tokens.index("<|endoftext|>"))
    w.add_add_bos_token(False)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    def t(name, *shape):
        w.add_tensor(name, (rng.standard_normal(shape) * 0.2).astype(np.float32))

    t("token_embd.weight", n_vocab, N_EMBD)
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    t("output.weight", n_vocab, N_EMBD)
    kv = N_EMBD // N_HEAD * N_HEAD_KV
    for i in range(N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        t(f"blk.{i}.attn_q.weight", N_EMBD, N_EMBD)
        t(f"blk.{i}.attn_k.weight", kv, N_EMBD)
        t(f"blk.{i}.attn_v.weight", kv, N_EMBD)
        t(f"blk.{i}.attn_output.weight", N_EMBD, N_EMBD)
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        t(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tokens, merges = build_vocab()
    write_tokenizer(os.path.join(out, "tokenizer"), tokens, merges)
    tmp = os.path.join(out, "tiny.gguf.tmp")
    write_gguf(tmp, tokens, merges)
    os.replace(tmp, os.path.join(out, "tiny.gguf"))
    print(f"wrote {out}/tiny.gguf ({len(tokens)} tokens, {len(merges)} merges) and {out}/tokenizer/")


if __name__ == "__main__":
    main()
