from __future__ import annotations

import pytest

from contracts.sealing import SealingError, generate_private_key, open_sealed, public_key_of, seal


def test_sealed_secret_opens_only_with_the_matching_key() -> None:
    key = generate_private_key()
    sealed = seal("Sunshine42!", public_key_of(key))

    assert "Sunshine42!" not in sealed
    assert open_sealed(sealed, key) == "Sunshine42!"
    with pytest.raises(SealingError):
        open_sealed(sealed, generate_private_key())


def test_sealing_twice_gives_different_ciphertexts() -> None:
    public = public_key_of(generate_private_key())
    assert seal("x", public) != seal("x", public)


def test_tampered_ciphertext_is_refused() -> None:
    key = generate_private_key()
    sealed = seal("secret", public_key_of(key))
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(SealingError):
        open_sealed(tampered, key)
