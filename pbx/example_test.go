package pbx_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"voiplab/pbx"
	"voiplab/pbx/config"
)

// A PBX on loopback with the embedded default configuration; the passwords
// of extensions 200-209 are generated at the first start.
func ExampleNew() {
	cfg := config.DefaultConfig()
	cfg.Listen.UDP, cfg.Listen.TCP = "127.0.0.1:5060", "127.0.0.1:5060"
	cfg.DataDir = "/var/lib/voiplab"
	srv, err := pbx.New(cfg,
		pbx.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
		pbx.WithNewPassword(func(ext, pw string) { fmt.Printf("extension %s password %s\n", ext, pw) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop() // graceful stop: refuse new calls, drain, flush CDRs
	if err := srv.Serve(ctx); err != nil {
		fmt.Println(err)
	}
}
