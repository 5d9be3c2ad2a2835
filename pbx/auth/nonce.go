package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
	"sync/atomic"
	"time"
)

// ringSize bounds the nonces whose count is remembered: at 8,000 challenges
// per second a nonce is remembered for about 30 s of traffic; an older one is
// answered stale=true and the client simply retries with a new nonce.
const (
	ringSize   = 1 << 18
	ringShards = 256
)

// nonces issues and checks nonces: base64url(id | issued unix ns | HMAC).
type nonces struct {
	key  []byte
	macs sync.Pool // of hash.Hash: hmac.New allocates and keys a hash each time
	seq  atomic.Uint64
	mu   [ringShards]sync.Mutex
	ring []slot // ringSize
}

type slot struct {
	id uint64
	nc uint32
}

const nonceRaw = 8 + 8 + 16

func newNonces(key []byte) *nonces {
	return &nonces{key: key, ring: make([]slot, ringSize)}
}

func (n *nonces) mac(b []byte) []byte {
	m, _ := n.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, n.key)
	}
	m.Reset()
	m.Write(b[:16])
	sum := m.Sum(nil)[:16]
	n.macs.Put(m)
	return sum
}

func (n *nonces) issue(now time.Time) string {
	var b [nonceRaw]byte
	binary.BigEndian.PutUint64(b[0:], n.seq.Add(1))
	binary.BigEndian.PutUint64(b[8:], uint64(now.UnixNano()))
	copy(b[16:], n.mac(b[:]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parse checks a nonce's HMAC and returns its id and issue time.
func (n *nonces) parse(s string) (id uint64, issued time.Time, ok bool) {
	var b [nonceRaw]byte
	if base64.RawURLEncoding.DecodedLen(len(s)) != nonceRaw {
		return 0, time.Time{}, false
	}
	if _, err := base64.RawURLEncoding.Decode(b[:], []byte(s)); err != nil {
		return 0, time.Time{}, false
	}
	if !hmac.Equal(b[16:], n.mac(b[:])) {
		return 0, time.Time{}, false
	}
	return binary.BigEndian.Uint64(b[0:]), time.Unix(0, int64(binary.BigEndian.Uint64(b[8:]))), true
}

// tooOld reports whether id fell out of the count ring.
func (n *nonces) tooOld(id uint64) bool {
	return n.seq.Load()-id >= ringSize
}

// use records nc for nonce id; false when nc is not above the last one used
// (RFC 7616 §3.4: the nonce count must increase; RFC 3261 §22.4 replay).
func (n *nonces) use(id uint64, nc uint32) bool {
	i := id % ringSize
	mu := &n.mu[i%ringShards]
	mu.Lock()
	defer mu.Unlock()
	s := &n.ring[i]
	if s.id != id { // an older nonce's slot: ours is newer (tooOld was checked)
		*s = slot{id: id}
	}
	if nc <= s.nc {
		return false
	}
	s.nc = nc
	return true
}
