package synth

import (
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	w := &memWriter{}
	st, err := Demo().Write(w)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", st)
	for _, r := range w.recs[:40] {
		if r.Src.Port()%2 == 0 && r.Src.Port() >= 10000 {
			continue
		}
		t.Logf("%d %s %s>%s\n%s", r.Frame, r.Time.Format(time.StampMicro), r.Src, r.Dst, r.Payload)
	}
}
