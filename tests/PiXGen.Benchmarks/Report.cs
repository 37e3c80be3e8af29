using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PiXGen.Benchmarks;

/// <summary>The Markdown tables of docs/benchmarks/pix-operator.md.</summary>
public static class Report
{
    public static string Table(Dictionary<(string shape, string name), Stat> r)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var shapes = Shape.ResNet50().Select(s => s.ToString()).Where(s => r.Keys.Any(k => k.shape == s)).ToList();

        string Cell(string shape, string name) =>
            r.TryGetValue((shape, name), out var s) ? string.Format(ci, "{0:F3} [{1:F3}–{2:F3}]", s.Median, s.Q1, s.Q3) : "–";
        double M(string shape, string name) => r.TryGetValue((shape, name), out var s) ? s.Median : double.NaN;
        string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? "–" : string.Format(ci, "{0:F2}×", a / b);

        sb.AppendLine("Median time in ms [first quartile – third quartile], batch 8, float32.");
        sb.AppendLine();
        sb.AppendLine("| shape (C→Co @ H=W) | " + string.Join(" | ", PiXCases.Names) + " |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", PiXCases.Names.Length)));
        foreach (var s in shapes)
            sb.AppendLine($"| {s} | " + string.Join(" | ", PiXCases.Names.Select(n => Cell(s, n))) + " |");
        sb.AppendLine();
        sb.AppendLine("| shape | composite fwd / fused fwd (target ≥ 3.5×) | fused fwd / floor fwd (target ≤ 1.3×) | composite autograd fwd+bwd / fused fwd+bwd (target ≥ 2.5×) | conv+bn+relu fwd / fused fwd | conv+bn+relu fwd+bwd / fused fwd+bwd | fused fwd+bwd / floor fwd+bwd |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var s in shapes)
            sb.AppendLine($"| {s} | {Ratio(M(s, "composite fwd"), M(s, "fused fwd"))} | {Ratio(M(s, "fused fwd"), M(s, "floor fwd"))} | " +
                          $"{Ratio(M(s, "composite autograd fwd+bwd"), M(s, "fused fwd+bwd"))} | {Ratio(M(s, "conv+bn+relu fwd"), M(s, "fused fwd"))} | " +
                          $"{Ratio(M(s, "conv+bn+relu fwd+bwd"), M(s, "fused fwd+bwd"))} | {Ratio(M(s, "fused fwd+bwd"), M(s, "floor fwd+bwd"))} |");
        return sb.ToString();
    }

    /// <summary>The network table of docs/benchmarks/pix-resnet50.md: median [Q1–Q3] of each model per mode and the
    /// ratio of medians (ResNet-50 / PiX-ResNet-50; above 1 means PiX is faster).</summary>
    public static string NetworkTable(Dictionary<(string mode, string model), Stat> r)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("Median time in ms [first quartile – third quartile], 3×224×224, float32.");
        sb.AppendLine();
        sb.AppendLine("| mode | resnet50 | pix_resnet50 | speedup (resnet50 / pix_resnet50) | target |");
        sb.AppendLine("|---|---:|---:|---:|---|");
        foreach (var mode in NetworkBenchmarks.AllModes)
        {
            if (!r.TryGetValue((mode, "resnet50"), out var a) || !r.TryGetValue((mode, "pix_resnet50"), out var b)) continue;
            string target = mode.EndsWith("b8", System.StringComparison.Ordinal) ? "≥ 1.25×" : "–";
            sb.AppendLine(string.Format(ci, "| {0} | {1:F1} [{2:F1}–{3:F1}] | {4:F1} [{5:F1}–{6:F1}] | {7:F3}× | {8} |",
                mode, a.Median, a.Q1, a.Q3, b.Median, b.Q1, b.Q3, a.Median / b.Median, target));
        }
        return sb.ToString();
    }
}
