package vsax_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

func hexKeySign(secret string, body []byte) (string, error) {
	k, err := hex.DecodeString(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}
