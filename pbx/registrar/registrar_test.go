package registrar_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/registrar"
	"voiplab/pbx/store"
)

// allow authenticates every request as the To user.
type allow struct{}

func (allow) Authenticate(req *sip.Request, _ sip.ServerTransaction) (string, bool) {
	return req.To().Address.User, true
}

type fakeTx struct {
	sip.ServerTransaction
	mu  sync.Mutex
	res *sip.Response
}

func (f *fakeTx) Respond(r *sip.Response) error { f.mu.Lock(); f.res = r; f.mu.Unlock(); return nil }

func register(t *testing.T, r *registrar.Registrar, user, contact, expires string) *sip.Response {
	t.Helper()
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "lab.local"})
	req.AppendHeader(sip.NewHeader("Via", "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK"+contact))
	req.AppendHeader(sip.NewHeader("From", "<sip:"+user+"@lab.local>;tag=1"))
	req.AppendHeader(sip.NewHeader("To", "<sip:"+user+"@lab.local>"))
	req.AppendHeader(sip.NewHeader("Call-ID", "c-"+contact))
	req.AppendHeader(sip.NewHeader("CSeq", "1 REGISTER"))
	req.AppendHeader(sip.NewHeader("Contact", "<"+contact+">"))
	req.AppendHeader(sip.NewHeader("Expires", expires))
	req.SetSource("127.0.0.1:5062")
	tx := &fakeTx{}
	r.HandleRegister(req, tx)
	return tx.res
}

func TestEvictionAndPersistence(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	r, err := registrar.New(registrar.Config{Auth: allow{}, Store: st, MinExpires: 60, MaxExpires: 3600, DefaultExpires: 600, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- r.Run(rctx) }()
	for i := 0; i < registrar.MaxContacts+2; i++ {
		// the first contact expires first
		exp := "3600"
		if i == 0 {
			exp = "60"
		}
		if res := register(t, r, "200", fmt.Sprintf("sip:200@127.0.0.1:%d", 7000+i), exp); res.StatusCode != 200 {
			t.Fatalf("register %d: %v", i, res)
		}
	}
	got := r.Contacts("200")
	if len(got) != registrar.MaxContacts || r.Count() != registrar.MaxContacts {
		t.Fatalf("%d contacts, count %d", len(got), r.Count())
	}
	for _, b := range got {
		if b.Contact == "sip:200@127.0.0.1:7000" {
			t.Error("the binding that expires first was kept")
		}
	}
	if res := register(t, r, "200", fmt.Sprintf("sip:200@127.0.0.1:%d", 7000+registrar.MaxContacts+1), "0"); res.StatusCode != 200 || len(res.GetHeaders("Contact")) != registrar.MaxContacts-1 {
		t.Errorf("un-REGISTER: %v", res)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// a new registrar over the same store sees the same bindings
	r2, _ := registrar.New(registrar.Config{Auth: allow{}, Store: st, MinExpires: 60, MaxExpires: 3600, DefaultExpires: 600, Now: clock})
	if err := r2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if r2.Count() != registrar.MaxContacts-1 || len(r2.Bindings()) != registrar.MaxContacts-1 {
		t.Errorf("reloaded %d bindings", r2.Count())
	}
	if b := r2.Contacts("200")[0]; b.Source.String() != "127.0.0.1:5062" || b.Transport != "UDP" || b.CallID == "" {
		t.Errorf("reloaded binding %+v", b)
	}
}
