package sealing

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vectorsFile is the published file itself, not a copy: the test fails when the docs change
// in a way this implementation does not follow.
var vectorsFile = filepath.Join("..", "..", "..", "docs", "sealing-test-vectors.json")

type vector struct {
	Name                string `json:"name"`
	Version             int    `json:"version"`
	RecipientPrivateKey string `json:"recipient_private_key"`
	RecipientPublicKey  string `json:"recipient_public_key"`
	Plaintext           string `json:"plaintext"`
	EphemeralPrivateKey string `json:"ephemeral_private_key"`
	NonceHex            string `json:"nonce_hex"`
	Sealed              string `json:"sealed"`
	Code                string `json:"code"`
}

type vectors struct {
	Vectors        []vector `json:"vectors"`
	OtherSpellings []vector `json:"other_spellings"`
	Rejections     []vector `json:"rejections"`
}

func load(t *testing.T) vectors {
	t.Helper()
	raw, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Vectors) == 0 || len(v.OtherSpellings) == 0 || len(v.Rejections) == 0 {
		t.Fatalf("%s has an empty section", vectorsFile)
	}
	return v
}

func key(t *testing.T, text string) []byte {
	t.Helper()
	k, err := ParseKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The private key of the first vector: other spellings are sealed to it.
func firstPrivateKey(t *testing.T, v vectors) []byte { return key(t, v.Vectors[0].RecipientPrivateKey) }

func TestSealsEveryV2VectorExactly(t *testing.T) {
	for _, vec := range load(t).Vectors {
		if vec.Version != 2 {
			continue // v1 is opened, never written
		}
		t.Run(vec.Name, func(t *testing.T) {
			nonce, err := hex.DecodeString(vec.NonceHex)
			if err != nil {
				t.Fatal(err)
			}
			random := bytes.NewReader(append(key(t, vec.EphemeralPrivateKey), nonce...))
			got, err := SealWith(vec.Plaintext, key(t, vec.RecipientPublicKey), random)
			if err != nil {
				t.Fatal(err)
			}
			if got != vec.Sealed {
				t.Errorf("sealed\n got %s\nwant %s", got, vec.Sealed)
			}
		})
	}
}

func TestOpensEveryVectorAndSpelling(t *testing.T) {
	v := load(t)
	for _, vec := range v.Vectors {
		assertOpens(t, vec.Name, vec.Sealed, key(t, vec.RecipientPrivateKey), vec.Plaintext)
	}
	for _, vec := range v.OtherSpellings {
		assertOpens(t, vec.Name, vec.Sealed, firstPrivateKey(t, v), vec.Plaintext)
	}
}

func assertOpens(t *testing.T, name, sealed string, privateKey []byte, want string) {
	t.Run(name, func(t *testing.T) {
		got, err := Open(sealed, privateKey)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("opened %q, want %q", got, want)
		}
	})
}

func TestRefusesEveryRejectionWithItsCode(t *testing.T) {
	for _, vec := range load(t).Rejections {
		t.Run(vec.Name, func(t *testing.T) {
			_, err := Open(vec.Sealed, key(t, vec.RecipientPrivateKey))
			if CodeOf(err) != vec.Code {
				t.Errorf("refused with %v, want %s", err, vec.Code)
			}
		})
	}
}

func TestSealingTwiceDiffersAndOpens(t *testing.T) {
	v := load(t)
	public := key(t, v.Vectors[0].RecipientPublicKey)
	first, err := Seal("Sunshine42!", public)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Seal("Sunshine42!", public)
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Error("two sealings of one secret are equal: the ephemeral key or nonce is reused")
	}
	assertOpens(t, "fresh", first, firstPrivateKey(t, v), "Sunshine42!")
}

func TestKeysWithAndWithoutPadding(t *testing.T) {
	padded := "pm1pxirorY7PdLljmZNYkuf25mqhde-v5TqfwMlOTjo=\n"
	unpadded := "pm1pxirorY7PdLljmZNYkuf25mqhde-v5TqfwMlOTjo"
	if !bytes.Equal(key(t, padded), key(t, unpadded)) {
		t.Error("the same key read two ways differs")
	}
	if _, err := ParseKey("c2hvcnQ"); CodeOf(err) != CodeKeyInvalid {
		t.Errorf("a short key: %v", err)
	}
}
