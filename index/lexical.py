"""A generation's BM25 index, built once, kept in the data folder, and built again from counts.

Tokenising and counting every passage in Python is most of loading a generation (about 10 s
at 100k passages, docs/performance.md), against 30 ms to read a saved index. So the first
process that loads a generation (the writer, after `whosaid index` or /reindex) saves its BM25
index as ``bm25-<gen>-<key>/`` and later ones read it. Beside the index it saves each
document's token counts (``counts.npz``), so the next generation counts only the documents it
adds and computes the index from the counts with numpy (`bm25_from_counts`). The key covers
what the index is made of (the generation, the text recipe, the tokeniser, bm25s's version),
so an index or its counts are never read for other text. Folders of generations older than
the previous one are removed; a folder that cannot be written (a read-only data folder) only
costs the rebuild.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from index.numbering import Numbering
from index.query import FOLDING
from index.search import _STOPWORDS, _TOKEN, tokenize

log = logging.getLogger(__name__)

PREFIX = "bm25-"
COUNT_BATCH = 5_000  # documents counted at a time
COUNTS = "counts.npz"  # beside a saved index: its token counts, for the next generation's


def bm25_key(created: float, recipe: str) -> str:
    """Short hashes of which generation a BM25 index is of (its creation time) and of how it is
    made (the text recipe, the tokeniser, bm25s's version): ``<generation>-<recipe>``."""
    parts = [recipe, _TOKEN.pattern, " ".join(sorted(_STOPWORDS)), bm25s.__version__, "counts"]
    parts.append(FOLDING)  # how `tokenize` folds accents and ligatures
    return f"{_hash(repr(created))}-{_hash('|'.join(parts))}"


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


@dataclass
class Counts:
    """How often each token occurs in each document, as parallel arrays (one entry for each
    distinct token of a document), with the documents' keys (row ids) by position."""

    keys: np.ndarray  # int64, a key per document
    docs: np.ndarray  # int32, the document of each entry (its position in ``keys``)
    tokens: np.ndarray  # int32, the token's id in the vocabulary
    counts: np.ndarray  # float32
    vocabulary: dict[str, int]

    def in_index_order(self) -> Counts:
        """The entries sorted by token, then document: the order of the BM25 index's arrays."""
        order = np.lexsort((self.docs, self.tokens))
        return Counts(
            self.keys, self.docs[order], self.tokens[order], self.counts[order], self.vocabulary
        )


def count_tokens(
    keys: np.ndarray,
    texts: Callable[[list[int]], list[str]],
    previous: Counts | None = None,
) -> Counts:
    """Token counts of the documents ``keys`` name; those ``previous`` counted (by key) are
    taken from it, the others read through ``texts(positions)``. The vocabulary only grows,
    so token ids stay the same from one generation to the next."""
    keys = np.asarray(keys, dtype=np.int64)
    vocabulary = dict(previous.vocabulary) if previous is not None else {}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    known = np.zeros(len(keys), dtype=bool)
    if previous is not None and len(previous.keys) and len(keys):
        moved = Numbering(keys).locate(previous.keys)  # each old document's position, or -1
        now = moved[previous.docs]
        kept = now >= 0
        parts.append((now[kept].astype(np.int32), previous.tokens[kept], previous.counts[kept]))
        known[moved[moved >= 0]] = True
    todo = np.flatnonzero(~known).tolist()
    for start in range(0, len(todo), COUNT_BATCH):  # numpy arrays, not lists, for most of it
        batch = todo[start : start + COUNT_BATCH]
        docs, tokens, counts = [], [], []
        for position, text in zip(batch, texts(batch), strict=True):
            for token, n in Counter(tokenize(text)).items():
                docs.append(position)
                tokens.append(vocabulary.setdefault(token, len(vocabulary)))
                counts.append(n)
        parts.append(
            (
                np.array(docs, dtype=np.int32),
                np.array(tokens, dtype=np.int32),
                np.array(counts, dtype=np.float32),
            )
        )
    empty = np.zeros(0, dtype=np.int32)
    parts.append((empty, empty, np.zeros(0, dtype=np.float32)))  # so there is one at least
    return Counts(
        keys,
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        vocabulary,
    ).in_index_order()


def bm25_from_counts(counts: Counts) -> bm25s.BM25 | None:
    """The BM25 index bm25s builds from the same tokens (Lucene's idf, k1 1.5, b 0.75; the
    same scores to float rounding), computed with numpy from counts in index order
    (`Counts.in_index_order`): a few seconds where bm25s's loop over the documents took
    minutes at 1M passages."""
    size, words = len(counts.keys), len(counts.vocabulary)
    if not size:
        return None
    index = bm25s.BM25()
    lengths = np.bincount(counts.docs, weights=counts.counts, minlength=size)
    average = float(lengths.mean()) or 1.0
    frequency = np.bincount(counts.tokens, minlength=words).astype(np.float64)
    idf = np.log(1 + (size - frequency + 0.5) / (frequency + 0.5)).astype(np.float32)
    norm = (index.k1 * ((1 - index.b) + index.b * lengths / average)).astype(np.float32)
    data = idf[counts.tokens] * counts.counts / (norm[counts.docs] + counts.counts)
    index.scores = {
        "data": data.astype(np.float32),
        "indices": counts.docs.astype(np.int32),
        "indptr": np.concatenate([[0], np.cumsum(frequency.astype(np.int64))]).astype(np.int64),
        "num_docs": size,
    }
    index.vocab_dict = {**counts.vocabulary, "": words}  # bm25s's empty token, scored nowhere
    index.unique_token_ids_set = set(index.vocab_dict.values())
    index.nonoccurrence_array = None
    return index


def cached_bm25(
    data_dir: Path,
    gen: int,
    key: str,
    keys: np.ndarray,
    texts: Callable[[list[int]], list[str]],
) -> bm25s.BM25 | None:
    """The saved BM25 index of ``gen``, or one built and saved for next time: from the token
    counts an earlier generation's index saved beside it (``key`` tells whether they were
    made the same way), counting only the documents new since (``texts(positions)`` reads
    them)."""
    folder = data_dir / f"{PREFIX}{gen}-{key}"
    if folder.is_dir():
        try:
            return bm25s.BM25.load(str(folder), show_progress=False)
        except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
            log.warning("BM25 index %s unreadable (%s); building it again", folder.name, exc)
            shutil.rmtree(folder, ignore_errors=True)
    counts = count_tokens(keys, texts, _earlier_counts(data_dir, gen, key))
    index = bm25_from_counts(counts)
    if index is not None:
        _save(index, folder, counts)
        _remove_old(data_dir, gen)
    return index


def _earlier_counts(data_dir: Path, gen: int, key: str) -> Counts | None:
    """The token counts saved with the newest earlier generation's index of the same recipe."""
    recipe = key.split("-", 1)[-1]
    found = []
    for folder in data_dir.glob(f"{PREFIX}*-{recipe}"):
        number = folder.name[len(PREFIX) :].split("-", 1)[0]
        if number.isdigit() and int(number) < gen and (folder / COUNTS).exists():
            found.append((int(number), folder))
    for _, folder in sorted(found, reverse=True)[:1]:
        try:
            saved = np.load(folder / COUNTS)
            indptr = np.load(folder / "indptr.csc.index.npy")
            vocabulary = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
            vocabulary.pop("", None)
            tokens = np.repeat(np.arange(len(indptr) - 1, dtype=np.int32), np.diff(indptr))
            docs = np.load(folder / "indices.csc.index.npy").astype(np.int32)
            return Counts(
                saved["keys"], docs, tokens, saved["counts"].astype(np.float32), vocabulary
            )
        except (OSError, ValueError, KeyError) as exc:
            log.info("token counts in %s unusable (%s); counting every document", folder.name, exc)
    return None


def _save(index: bm25s.BM25, folder: Path, counts: Counts) -> None:
    """Write into a temporary folder, then rename: readers see a whole index or none."""
    try:
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".tmp"))
    except OSError as exc:
        log.info("BM25 index not saved (%s); it will be built again at the next start", exc)
        return
    try:
        index.save(str(tmp), show_progress=False)
        np.savez(tmp / COUNTS, keys=counts.keys, counts=counts.counts.astype(np.uint16))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; other processes read it too
        os.rename(tmp, folder)
        log.info("saved the BM25 index as %s", folder.name)
    except OSError:
        pass  # another process saved the same index first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_old(data_dir: Path, gen: int) -> None:
    """Keep the previous generation's index for readers that still hold it; drop older ones."""
    for path in data_dir.glob(f"{PREFIX}*"):
        number = path.name[len(PREFIX) :].split("-", 1)[0]
        if number.isdigit() and int(number) < gen - 1:
            shutil.rmtree(path, ignore_errors=True)
