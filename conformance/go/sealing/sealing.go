// Package sealing seals secrets (passwords, card numbers) to the services' X25519 public key,
// byte for byte as docs/sealing.md specifies, and opens them again (for the test vectors).
//
// Only the standard library is used: crypto/ecdh for X25519, crypto/hkdf, AES-256-GCM.
package sealing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The field error codes of docs/sealing.md, so a caller can compare with what a service replies.
const (
	CodeUnknownFormat = "sealed_unknown_format"
	CodeBadEncoding   = "sealed_bad_encoding"
	CodeWrongLength   = "sealed_wrong_length"
	CodeCannotOpen    = "sealed_cannot_open"
	CodeNotText       = "sealed_not_text"
	CodeKeyInvalid    = "sealing_key_invalid"
)

const (
	prefixV1     = "sealed:v1:"
	prefixV2     = "sealed:v2:"
	keySize      = 32
	nonceSize    = 12
	tagSize      = 16
	minBlob      = keySize + nonceSize + tagSize // the empty secret
	maxBlob      = 1500
	maxPlaintext = maxBlob - minBlob // 1440 bytes of UTF-8
)

// Error is a refusal with the specification's code.
type Error struct {
	Code   string
	Reason string
}

func (e *Error) Error() string { return e.Code + ": " + e.Reason }

func refuse(code, format string, args ...any) error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// CodeOf returns the specification's code of err, or "" when err is not a sealing refusal.
func CodeOf(err error) string {
	var sealingErr *Error
	if errors.As(err, &sealingErr) {
		return sealingErr.Code
	}
	return ""
}

// ParseKey reads a 32-byte key written in base64url, with or without '=' padding and surrounding
// whitespace (a key file ends with a newline).
func ParseKey(text string) ([]byte, error) {
	key, err := decodeBase64URL(strings.TrimSpace(text))
	if err != nil || len(key) != keySize {
		return nil, refuse(CodeKeyInvalid, "a key is 32 bytes in base64url")
	}
	return key, nil
}

// Seal seals secret to the recipient public key (raw 32 bytes), as version 2 with a fresh
// ephemeral key and nonce.
func Seal(secret string, publicKey []byte) (string, error) {
	return SealWith(secret, publicKey, rand.Reader)
}

// SealWith seals with the ephemeral private key and the nonce read, in that order, from random: the
// test vectors fix both to get the expected output exactly.
func SealWith(secret string, publicKey []byte, random io.Reader) (string, error) {
	if len(secret) > maxPlaintext {
		return "", fmt.Errorf("a sealed secret is at most %d bytes of UTF-8", maxPlaintext)
	}
	ephemeralBytes := make([]byte, keySize)
	nonce := make([]byte, nonceSize)
	if _, err := io.ReadFull(random, ephemeralBytes); err != nil {
		return "", err
	}
	if _, err := io.ReadFull(random, nonce); err != nil {
		return "", err
	}
	ephemeral, err := ecdh.X25519().NewPrivateKey(ephemeralBytes)
	if err != nil {
		return "", err
	}
	ephemeralPublic := ephemeral.PublicKey().Bytes()
	aead, err := derive(ephemeral, publicKey, saltV2(ephemeralPublic, publicKey), infoV2)
	if err != nil {
		return "", err
	}
	blob := append(append(ephemeralPublic, nonce...), aead.Seal(nil, nonce, []byte(secret), []byte(prefixV2))...)
	// Version 2 is written without padding (docs/sealing.md, step 8).
	return prefixV2 + base64.RawURLEncoding.EncodeToString(blob), nil
}

const (
	infoV1 = "csr-oms sealed secret v1"
	infoV2 = "csr-oms sealed secret v2"
)

// saltV2 binds both public keys into the key (the ephemeral one, then the recipient's), so a
// value sealed to one recipient cannot be opened by deriving without its public key.
func saltV2(ephemeralPublic, recipientPublic []byte) []byte {
	return append(append([]byte{}, ephemeralPublic...), recipientPublic...)
}

// derive makes the AES-256-GCM cipher: HKDF-SHA256 over the X25519 shared secret of own and peer.
func derive(own *ecdh.PrivateKey, peer, salt []byte, info string) (cipher.AEAD, error) {
	peerKey, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, refuse(CodeKeyInvalid, "a key is 32 bytes")
	}
	// crypto/ecdh refuses an all-zero shared secret (a low-order point), as the spec requires.
	shared, err := own.ECDH(peerKey)
	if err != nil {
		return nil, refuse(CodeCannotOpen, "low-order public key")
	}
	key, err := hkdf.Key(sha256.New, shared, salt, info, keySize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Open opens a sealed value with the recipient's private key (raw 32 bytes), refusing it with the
// code the services use.
func Open(sealed string, privateKey []byte) (string, error) {
	version, blob, err := parse(sealed)
	if err != nil {
		return "", err
	}
	own, err := ecdh.X25519().NewPrivateKey(privateKey)
	if err != nil {
		return "", refuse(CodeKeyInvalid, "a key is 32 bytes")
	}
	ephemeralPublic, nonce, ct := blob[:keySize], blob[keySize:keySize+nonceSize], blob[keySize+nonceSize:]
	aead, aad, err := openingCipher(version, own, ephemeralPublic)
	if err != nil {
		return "", err
	}
	plaintext, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return "", refuse(CodeCannotOpen, "sealed to another key, or altered")
	}
	if !utf8.Valid(plaintext) {
		return "", refuse(CodeNotText, "the secret is not UTF-8")
	}
	return string(plaintext), nil
}

// openingCipher is the cipher and associated data of the value's version: v1 salted with the
// ephemeral key alone and authenticated it, v2 authenticates its own label.
func openingCipher(version string, own *ecdh.PrivateKey, ephemeralPublic []byte) (cipher.AEAD, []byte, error) {
	if version == prefixV1 {
		aead, err := derive(own, ephemeralPublic, ephemeralPublic, infoV1)
		return aead, ephemeralPublic, err
	}
	aead, err := derive(own, ephemeralPublic, saltV2(ephemeralPublic, own.PublicKey().Bytes()), infoV2)
	return aead, []byte(prefixV2), err
}

// parse checks what needs no key (opening steps 1-3): the prefix, the encoding, the length.
func parse(sealed string) (string, []byte, error) {
	var version string
	switch {
	case strings.HasPrefix(sealed, prefixV2):
		version = prefixV2
	case strings.HasPrefix(sealed, prefixV1):
		version = prefixV1
	default:
		return "", nil, refuse(CodeUnknownFormat, "no sealed:v2: prefix")
	}
	blob, err := decodeBase64URL(sealed[len(version):])
	if err != nil {
		return "", nil, err
	}
	if len(blob) < minBlob || len(blob) > maxBlob {
		return "", nil, refuse(CodeWrongLength, "%d bytes, not %d to %d", len(blob), minBlob, maxBlob)
	}
	return version, blob, nil
}

// decodeBase64URL accepts base64url with up to two '=' of padding, or none.
func decodeBase64URL(text string) ([]byte, error) {
	unpadded := strings.TrimRight(text, "=")
	if len(text)-len(unpadded) > 2 || len(unpadded)%4 == 1 {
		return nil, refuse(CodeBadEncoding, "not base64url")
	}
	decoded, err := base64.RawURLEncoding.DecodeString(unpadded)
	if err != nil {
		return nil, refuse(CodeBadEncoding, "not base64url")
	}
	return decoded, nil
}
