package runner_test

import (
	"context"
	"fmt"
	"os"

	"voiplab/labs/catalogue"
	"voiplab/labs/runner"
)

// Run a lab: its capture, analysis and report go to Dir, and the outcome
// grades the lab's objectives.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "lab")
	defer os.RemoveAll(dir)
	lab, _ := catalogue.Lookup("codec-mismatch")
	out, err := runner.Run(context.Background(), lab, runner.RunOptions{Dir: dir, Subnet: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range out.Captures[0].Grade.Items {
		fmt.Println(it.Met, it.Objective.Text.EN)
	}
	// Output:
	// true the call is rejected with 488
	// true the diagnosis says the two sides have no codec in common
	// true no RTP: the call never reached media
}
