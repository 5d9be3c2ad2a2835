package report

import (
	"encoding/json"
	"reflect"
	"testing"

	"voiplab/analyze"
)

// TestChartSplit: a chart's own part merged into the page's shared base,
// as ECharts' setOption merges them (objects key by key, series by index),
// gives back the whole option go-echarts built; the base is the same for
// two streams of different lengths, bucket widths and losses, in each
// language, and holds no data.
func TestChartSplit(t *testing.T) {
	stream := func(id string, n int, width float64, lossAt int) analyze.Stream {
		s := analyze.Stream{ID: id, SeriesWidthMs: width}
		for i := range n {
			p := analyze.SeriesPoint{OffsetMs: float64(i) * width, JitterMs: 0.125 * float64(i%7), MaxDeltaMs: 20 + float64(i%3)}
			if i == lossAt {
				p.Lost = 2
			}
			s.Series = append(s.Series, p)
		}
		return s
	}
	for _, lang := range Languages() {
		t.Run(lang, func(t *testing.T) {
			tr, err := newTranslator(lang)
			if err != nil {
				t.Fatal(err)
			}
			var base string
			for _, s := range []analyze.Stream{stream("s1", 20, 100, -1), stream("s2", 600, 250, 17)} {
				c, err := buildStreamChart(s, tr)
				if err != nil {
					t.Fatal(err)
				}
				if base == "" {
					base = c.base
				} else if c.base != base {
					t.Errorf("stream %s: base\n%s\ndiffers from\n%s", s.ID, c.base, base)
				}
				var b, own, full map[string]any
				for _, x := range []struct {
					text string
					v    *map[string]any
				}{{c.base, &b}, {string(c.Option), &own}, {string(c.full), &full}} {
					if err := json.Unmarshal([]byte(x.text), x.v); err != nil {
						t.Fatal(err)
					}
				}
				for i, se := range b["series"].([]any) {
					if _, ok := se.(map[string]any)["data"]; ok {
						t.Errorf("base series %d holds data", i)
					}
				}
				if got := merge(b, own); !reflect.DeepEqual(got, full) {
					t.Errorf("stream %s: base+own =\n%v\nwant\n%v", s.ID, got, full)
				}
				if n := len(own["series"].([]any)[0].(map[string]any)["data"].([]any)); n != len(s.Series) {
					t.Errorf("stream %s: %d jitter points, want %d", s.ID, n, len(s.Series))
				}
			}
		})
	}
}

// merge is ECharts' merge of option b into a for the shapes a chart uses.
func merge(a, b any) any {
	switch bv := b.(type) {
	case map[string]any:
		av, ok := a.(map[string]any)
		if !ok {
			return bv
		}
		out := map[string]any{}
		for k, v := range av {
			out[k] = v
		}
		for k, v := range bv {
			out[k] = merge(av[k], v)
		}
		return out
	case []any:
		av, _ := a.([]any)
		out := make([]any, max(len(av), len(bv)))
		for i := range out {
			switch {
			case i >= len(bv):
				out[i] = av[i]
			case i >= len(av):
				out[i] = bv[i]
			default:
				out[i] = merge(av[i], bv[i])
			}
		}
		return out
	}
	return b
}
