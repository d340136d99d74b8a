"""K9 embeddings (seed 001): packed float32 storage, exact round trip, ModelVersionIndex."""

from __future__ import annotations

import math
import random
import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from examples.k9.vectors import pack_float32, unpack_float32
from pydantic import ValidationError

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.core.limits import item_size
from dynastack.core.values import encode_item
from examples.k9 import Embedding, EmbeddingRepository

README = Path(__file__).resolve().parents[3] / "examples" / "k9" / "README.md"
DIMENSIONS = 1536
#: the sizes the README quotes, for the vector below (unit-normalised Gaussian, seed 1536)
LIST_BYTES = 17_250
PACKED_BYTES = 6_160


def unit_vector(seed: int, dimensions: int = DIMENSIONS) -> list[float]:
    """A realistic embedding: Gaussian, normalised to length 1, values of a few hundredths."""
    rng = random.Random(seed)
    values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def test_the_vector_is_validated_to_float32_once_and_then_round_trips_bit_for_bit() -> None:
    raw = unit_vector(7)
    embedding = Embedding(product_id="p", model_version="m", embedding_vector=raw)
    assert embedding.vector_dimension == DIMENSIONS
    assert embedding.embedding_vector == [struct.unpack("<f", struct.pack("<f", v))[0] for v in raw]
    packed = embedding.model_dump()["embedding_vector"]
    assert isinstance(packed, bytes) and len(packed) == 4 * DIMENSIONS
    assert unpack_float32(packed) == embedding.embedding_vector
    assert Embedding.model_validate(embedding.model_dump()) == embedding
    # JSON (what an API would return) shows numbers, not bytes
    assert (
        embedding.model_dump(mode="json")["embedding_vector"][:2] == embedding.embedding_vector[:2]
    )


@pytest.mark.parametrize(
    ("vector", "dimension", "message"),
    [
        ([], None, "at least 1"),
        ([0.1, math.nan], None, "finite"),
        ([0.1, math.inf], None, "finite"),
        ([1e39], None, "float32"),
        ([0.1, 0.2], 3, "vector_dimension is 3"),
        (b"\x00\x00\x80", None, "divisible by 4"),
    ],
)
def test_vectors_that_cannot_be_stored_exactly_are_refused(
    vector: object, dimension: int | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Embedding.model_validate(
            {
                "product_id": "p",
                "model_version": "m",
                "embedding_vector": vector,
                "vector_dimension": dimension,
            }
        )


def test_packed_float32_is_the_smaller_encoding_and_the_readme_says_by_how_much() -> None:
    vector = unpack_float32(pack_float32(unit_vector(DIMENSIONS)))
    as_list = item_size(encode_item({"embedding_vector": vector}))
    as_bytes = item_size(encode_item({"embedding_vector": pack_float32(vector)}))
    assert (as_list, as_bytes) == (LIST_BYTES, PACKED_BYTES)
    assert as_bytes == len("embedding_vector") + 4 * DIMENSIONS
    readme = README.read_text(encoding="utf-8")
    for number in (as_list, as_bytes, as_list - as_bytes):
        assert re.search(rf"\b{number:,}\b", readme), f"README does not quote {number:,} bytes"


@pytest.mark.integration
def test_store_and_get_embedding_round_trip_exactly(k9: BoundApp, client: Client, env: str) -> None:
    product_id = f"product-{uuid4().hex[:8]}"
    stored = k9.service(EmbeddingRepository).store_embedding(
        Embedding(product_id=product_id, model_version="v1", embedding_vector=unit_vector(1))
    )
    read = k9.service(EmbeddingRepository).get_embedding(product_id)
    assert read == stored
    assert read is not None and read.embedding_vector == stored.embedding_vector
    raw = client.get_item(TableName=f"k9-embeddings-{env}", Key={"product_id": {"S": product_id}})
    attribute = raw["Item"]["embedding_vector"]
    assert list(attribute) == ["B"]  # one binary attribute, not a list of numbers
    assert raw["Item"]["vector_dimension"] == {"N": str(DIMENSIONS)}
    assert k9.service(EmbeddingRepository).get_embedding("no-such-product") is None


@pytest.mark.integration
def test_get_embeddings_by_model_pages_through_one_model_version(
    embeddings: EmbeddingRepository,
) -> None:
    model = f"model-{uuid4().hex[:8]}"
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [f"{model}-p{n}" for n in range(5)]
    for n, product_id in enumerate(ids):
        embeddings.store_embedding(
            Embedding(
                product_id=product_id,
                model_version=model,
                embedding_vector=unit_vector(n, 8),
                created_at=start + timedelta(minutes=n),
            )
        )
    embeddings.store_embedding(
        Embedding(product_id=f"{model}-other", model_version="other", embedding_vector=[1.0])
    )
    first = embeddings.get_embeddings_by_model(model, limit=3)
    rest = embeddings.get_embeddings_by_model(model, limit=3, cursor=first.cursor)
    assert [e.product_id for e in first] + [e.product_id for e in rest] == ids
    assert rest.cursor is None
    assert [e.product_id for e in embeddings.iter_embeddings_by_model(model)] == ids


@pytest.mark.integration
def test_storing_a_new_model_version_moves_the_product_between_index_partitions(
    embeddings: EmbeddingRepository,
) -> None:
    old, new = f"old-{uuid4().hex[:8]}", f"new-{uuid4().hex[:8]}"
    product_id = f"product-{uuid4().hex[:8]}"
    embeddings.store_embedding(
        Embedding(product_id=product_id, model_version=old, embedding_vector=[0.5, 0.25])
    )
    embeddings.store_embedding(
        Embedding(product_id=product_id, model_version=new, embedding_vector=[0.75, 0.125])
    )
    assert list(embeddings.iter_embeddings_by_model(old)) == []
    [moved] = embeddings.iter_embeddings_by_model(new)
    assert (moved.product_id, moved.embedding_vector) == (product_id, [0.75, 0.125])
