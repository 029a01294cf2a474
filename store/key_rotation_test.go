package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// opener opens the same data (a directory, a schema) with a sealer.
type opener func(t *testing.T, sl *store.Sealer) store.Store

func TestRotateKey(t *testing.T) {
	stores := map[string]func(t *testing.T) opener{
		"SQLite": func(t *testing.T) opener {
			dir := t.TempDir()
			return func(t *testing.T, sl *store.Sealer) store.Store {
				s, err := store.OpenSQLite(context.Background(), dir, sl)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
		},
		"PostgreSQL": func(t *testing.T) opener {
			url := testpeers.PostgresSchema(t)
			return func(t *testing.T, sl *store.Sealer) store.Store {
				s, err := store.OpenPostgres(context.Background(), url, sl)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
		},
	}
	for name, data := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			oldKey, newKey := mustKey(t), mustKey(t)
			old, next := mustSealer(t, oldKey), mustSealer(t, newKey)

			t.Run("every sealed value moves to the new key", func(t *testing.T) {
				open := data(t)
				s := open(t, old)
				check := storetest.SealedValues(t, s)
				done, err := store.RotateKey(ctx, s, old, next)
				require.NoError(t, err)
				require.Equal(t, store.KeyRotation{Integrations: 2, Channels: 1, AuthTokens: 1}, done,
					"the integration without secrets has nothing to re-seal")
				require.NoError(t, s.Close())

				check(t, open(t, next))
				_, err = open(t, old).GetIntegration(ctx, "i1")
				require.ErrorIs(t, err, store.ErrWrongKey, "the old key opens nothing any more")
			})

			t.Run("a key that does not open them changes nothing", func(t *testing.T) {
				open := data(t)
				s := open(t, old)
				check := storetest.SealedValues(t, s)
				wrong := mustSealer(t, mustKey(t))
				_, err := store.RotateKey(ctx, s, wrong, next)
				require.ErrorIs(t, err, store.ErrWrongKey)
				require.ErrorContains(t, err, "integrations ch1", "the error names the first row it could not open")
				check(t, s)

				// One value sealed with another key among good ones: the
				// transaction is undone, those before it included.
				require.NoError(t, s.SaveToken(ctx, "zz-last", []byte("x")))
				other := open(t, wrong)
				require.NoError(t, other.SaveToken(ctx, "zz-last", []byte("sealed with another key")))
				_, err = store.RotateKey(ctx, s, old, next)
				require.ErrorIs(t, err, store.ErrWrongKey)
				require.ErrorContains(t, err, "auth_tokens zz-last")
				check(t, s)
			})
		})
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := store.GenerateKey()
	raw, err := store.ParseKey(key)
	require.NoError(t, err)
	require.Len(t, raw, store.KeySize)
	for _, c := range []struct{ in, err string }{
		{key + "\n", ""},
		{"  " + key, ""},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ""}, // openssl rand -hex 32
		{"hunter2", "the key is 7 characters, not 32 random bytes (44 characters in base64, 64 in hex)"},
		{"", "empty"},
		{"0123456789abcdef", "16 characters"},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", "is not hex"},
		{"c2hvcnQ=c2hvcnQ=c2hvcnQ=c2hvcnQ=c2hvcnQ=c2h=", "is not base64"},
	} {
		_, err := store.ParseKey(c.in)
		if c.err == "" {
			require.NoError(t, err, c.in)
			continue
		}
		require.ErrorContains(t, err, c.err, c.in)
		if c.in != "" {
			require.NotContains(t, err.Error(), c.in, "the error does not repeat the key")
		}
	}
	require.NotEqual(t, store.GenerateKey(), store.GenerateKey())
}

func mustKey(t *testing.T) []byte {
	t.Helper()
	k, err := store.ParseKey(store.GenerateKey())
	require.NoError(t, err)
	return k
}

func mustSealer(t *testing.T, key []byte) *store.Sealer {
	t.Helper()
	s, err := store.NewSealer(key)
	require.NoError(t, err)
	return s
}
