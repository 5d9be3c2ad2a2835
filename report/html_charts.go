package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"voiplab/analyze"
)

// streamChart is one stream's chart, built by go-echarts and drawn by the
// page's script when its call is opened. Every chart of a page shares the
// same options but its title and data: those are written once for the
// page (chartBase) and each chart keeps only its own part.
type streamChart struct {
	ID     string      // the element id: "chart-" + stream id, stable for golden files
	Option template.JS // the chart's own part of the ECharts option (JSON): title and series data
	base   string      // the rest of the option (JSON), the same for every chart of a page
	full   template.JS // the whole option, for a chart whose base differs from the page's
}

// compactPoints turns go-echarts' {"value":[x,y]} data items into [x,y],
// which ECharts reads the same: it halves the size of a chart.
var compactPoints = regexp.MustCompile(`\{"value":(\[[-0-9.e,]*\])\}`)

// buildStreamChart draws jitter and the largest arrival delta of each
// bucket of s.Series over time, with loss events as red triangles. The
// series is already bounded by analyze (at most 600 buckets), so the chart
// stays light whatever the length of the call.
func buildStreamChart(s analyze.Stream, tr *translator) (*streamChart, error) {
	if len(s.Series) == 0 {
		return nil, nil
	}
	id := "chart-" + htmlID(s.ID)
	line := charts.NewLine()
	line.ClearPresetJSAssets() // the page embeds echarts.min.js itself: no request to any host
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "280px"}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{Title: tr.T("chart.title", map[string]any{"Stream": s.ID}),
			Subtitle: tr.T("chart.subtitle", map[string]any{"Width": fmt.Sprintf("%g", s.SeriesWidthMs)})}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "28px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s", Min: 0}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "ms"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}, opts.DataZoom{Type: "slider"}),
	)
	jitter := make([]opts.LineData, len(s.Series))
	delta := make([]opts.LineData, len(s.Series))
	var lost []opts.ScatterData
	for i, p := range s.Series {
		x := p.OffsetMs / 1000
		jitter[i] = opts.LineData{Value: []any{x, p.JitterMs}}
		delta[i] = opts.LineData{Value: []any{x, p.MaxDeltaMs}}
		if p.Lost > 0 {
			lost = append(lost, opts.ScatterData{Value: []any{x, p.MaxDeltaMs, p.Lost}, Symbol: "triangle", SymbolSize: 12})
		}
	}
	noSymbol := charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)})
	line.AddSeries(tr.T("chart.jitter", nil), jitter, noSymbol)
	line.AddSeries(tr.T("chart.delta", nil), delta, noSymbol)
	scatter := charts.NewScatter()
	scatter.AddSeries(tr.T("chart.loss", nil), lost, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#c0392b"}))
	line.Overlap(scatter)
	line.Validate()
	b, err := json.Marshal(line.JSON())
	if err != nil {
		return nil, fmt.Errorf("report: chart of stream %s: %w", s.ID, err)
	}
	base, own, err := splitOption(b)
	if err != nil {
		return nil, fmt.Errorf("report: chart of stream %s: %w", s.ID, err)
	}
	return &streamChart{ID: id, Option: template.JS(compactPoints.ReplaceAll(own, []byte("$1"))), base: string(base),
		full: template.JS(compactPoints.ReplaceAll(b, []byte("$1")))}, nil
}

// splitOption splits a go-echarts option into what every chart of the
// page shares (base: colours, axes, legend, zoom, series names and styles)
// and what is this chart's own (its title and the data of each series).
// The page parses the base once and merges each chart's part into it, as
// ECharts' setOption merges two options (series by index): a capture of
// 1,000 calls then weighs 1.3 MB less. Both are marshalled by
// encoding/json, which escapes <, > and &: safe inside <script>.
func splitOption(option []byte) (base, own []byte, err error) {
	var o map[string]any
	d := json.NewDecoder(bytes.NewReader(option))
	d.UseNumber() // numbers are written back as they were read
	if err := d.Decode(&o); err != nil {
		return nil, nil, err
	}
	mine := map[string]any{}
	if t, ok := o["title"]; ok {
		mine["title"] = t
		delete(o, "title")
	}
	series, _ := o["series"].([]any)
	data := make([]map[string]any, len(series))
	for i, s := range series {
		sm, ok := s.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("series %d is %T", i, s)
		}
		data[i] = map[string]any{"data": sm["data"]}
		delete(sm, "data")
	}
	mine["series"] = data
	if base, err = json.Marshal(o); err != nil {
		return nil, nil, err
	}
	if own, err = json.Marshal(mine); err != nil {
		return nil, nil, err
	}
	return base, own, nil
}
