using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Layers;
using PiXGen.PiX;
using PiXGen.Zoo;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Benchmarks;

/// <summary>
/// <c>--breakdown</c>: where the time of ResNet-50 and PiX-ResNet-50 goes at batch 8 (Stopwatch, median over
/// rounds, the two networks alternating). (1) Per top-level stage — stem (everything before layer1), layer1–4,
/// head (everything after layer4) — each stage run alone on the input the preceding stages produce: eval forward
/// under no_grad, and forward + backward (train mode, gradient of a fixed random output gradient).
/// (2) Eval forward by layer kind, from forward pre/post hooks on every leaf module (PiX layers and SE modules
/// counted whole); what no hook sees (residual adds, dispose scopes, module dispatch) is the remainder.
/// </summary>
public static class Breakdown
{
    private const int Batch = 8;
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Run(int rounds, bool train)
    {
        var names = NetworkBenchmarks.AllModels;
        var nets = names.Select(n => new Net(n)).ToArray();
        var sb = new StringBuilder();
        try
        {
            sb.AppendLine(string.Create(Ci, $"Batch {Batch}, 3×224×224, float32, {torch.get_num_threads()} threads; median ms over {rounds} rounds after 1 warm-up."));
            sb.AppendLine();
            sb.Append(StageTable(nets, rounds, train: false));
            if (train) { sb.AppendLine(); sb.Append(StageTable(nets, rounds, train: true)); }
            sb.AppendLine();
            sb.Append(KindTable(nets, rounds));
        }
        finally
        {
            foreach (var n in nets) n.Dispose();
        }
        return sb.ToString();
    }

    private static string Diff(double ms)
    {
        double r = Math.Round(ms, 1);
        return r == 0 ? "0.0" : r > 0 ? "+" + r.ToString("F1", Ci) : "−" + (-r).ToString("F1", Ci);
    }

    internal static double Median(IEnumerable<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        if (s.Length == 0) return 0;
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string StageTable(Net[] nets, int rounds, bool train)
    {
        var stages = nets[0].Stages.Select(s => s.Name).ToArray();
        var times = nets.Select(n => stages.ToDictionary(s => s, _ => new List<double>())).ToArray();
        var whole = nets.Select(_ => new List<double>()).ToArray();
        for (int round = -1; round < rounds; round++)
            for (int k = 0; k < nets.Length; k++)
            {
                int idx = round % 2 == 0 ? k : nets.Length - 1 - k;
                var net = nets[idx];
                net.Module.train(train);
                foreach (var stage in net.Stages)
                {
                    double ms = net.TimeStage(stage, train);
                    if (round >= 0) times[idx][stage.Name].Add(ms);
                }
                double w = net.TimeWhole(train);
                if (round >= 0) whole[idx].Add(w);
            }

        var sb = new StringBuilder();
        string what = train ? "forward + backward (train mode)" : "eval forward (no_grad)";
        sb.AppendLine($"Per stage, {what}:");
        sb.AppendLine();
        sb.AppendLine($"| stage | {string.Join(" | ", nets.Select(n => n.Name + " ms"))} | ratio {nets[0].Name} / {nets[1].Name} | {nets[1].Name} − {nets[0].Name} ms |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", nets.Length + 2)));
        var sums = new double[nets.Length];
        foreach (var s in stages)
        {
            var m = times.Select(t => Median(t[s])).ToArray();
            for (int i = 0; i < m.Length; i++) sums[i] += m[i];
            sb.AppendLine(string.Create(Ci, $"| {s} | {string.Join(" | ", m.Select(x => x.ToString("F1", Ci)))} | {m[0] / m[1]:F2}× | {Diff(m[1] - m[0])} |"));
        }
        sb.AppendLine(string.Create(Ci, $"| sum of stages | {string.Join(" | ", sums.Select(x => x.ToString("F1", Ci)))} | {sums[0] / sums[1]:F2}× | {Diff(sums[1] - sums[0])} |"));
        var wm = whole.Select(Median).ToArray();
        sb.AppendLine(string.Create(Ci, $"| whole network{(train ? " (fwd + bwd, no optimizer)" : "")} | {string.Join(" | ", wm.Select(x => x.ToString("F1", Ci)))} | {wm[0] / wm[1]:F2}× | {Diff(wm[1] - wm[0])} |"));
        return sb.ToString();
    }

    private static string KindTable(Net[] nets, int rounds)
    {
        var perNet = nets.Select(_ => new Dictionary<string, List<double>>()).ToArray();
        var totals = nets.Select(_ => new List<double>()).ToArray();
        for (int round = -1; round < rounds; round++)
            for (int k = 0; k < nets.Length; k++)
            {
                int idx = round % 2 == 0 ? k : nets.Length - 1 - k;
                var (byKind, total) = nets[idx].TimeByKind();
                if (round < 0) continue;
                totals[idx].Add(total);
                foreach (var (kind, ms) in byKind)
                {
                    if (!perNet[idx].TryGetValue(kind, out var list)) perNet[idx][kind] = list = new List<double>();
                    list.Add(ms);
                }
            }
        var kinds = Kinds.Where(kd => perNet.Any(p => p.ContainsKey(kd))).ToList();
        var sb = new StringBuilder();
        sb.AppendLine("Eval forward by layer kind (forward hooks; median ms per forward, share of the hooked total):");
        sb.AppendLine();
        sb.AppendLine($"| layer kind | {string.Join(" | ", nets.Select(n => n.Name))} | {nets[1].Name} − {nets[0].Name} ms |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", nets.Length + 1)));
        var t = totals.Select(Median).ToArray();
        foreach (var kind in kinds.Append(Remainder))
        {
            var m = perNet.Select((p, i) => kind == Remainder
                ? t[i] - p.Values.Sum(Median)
                : p.TryGetValue(kind, out var l) ? Median(l) : 0).ToArray();
            sb.AppendLine(string.Create(Ci, $"| {kind} | {string.Join(" | ", m.Select((x, i) => $"{x:F1} ({100 * x / t[i]:F0} %)"))} | {Diff(m[1] - m[0])} |"));
        }
        sb.AppendLine(string.Create(Ci, $"| total (hooked forward) | {string.Join(" | ", t.Select(x => x.ToString("F1", Ci)))} | {Diff(t[1] - t[0])} |"));
        return sb.ToString();
    }

    private const string Remainder = "not in a leaf module (residual adds, scopes, dispatch)";

    /// <summary>The layer kinds of the tables, in their order (shared with <see cref="TrainProfile"/>).</summary>
    internal static readonly string[] Kinds =
    {
        "conv 7×7 (stem)", "conv 3×3", "conv 1×1 squeeze (ResNet conv1)", "conv 1×1 expand", "conv 1×1 projection (stride/shortcut)",
        "conv 1×1 classifier", "PiX layer (GAP + φ + sigmoid + pick/mix)", "squeeze-excitation", "batchnorm", "relu", "pooling", "linear", "other",
    };

    /// <summary>The table row of a leaf module (PiX layers and squeeze-excitation counted whole).</summary>
    internal static string Kind(string path, nn.Module module) => module switch
    {
        PiXLayer => "PiX layer (GAP + φ + sigmoid + pick/mix)",
        SqueezeExcitation => "squeeze-excitation",
        Conv2d c when c.weight!.shape[3] == 7 => "conv 7×7 (stem)",
        Conv2d c when c.weight!.shape[3] == 3 => "conv 3×3",
        Conv2d when path.EndsWith("conv1", StringComparison.Ordinal) => "conv 1×1 squeeze (ResNet conv1)",
        Conv2d when path.EndsWith("conv3", StringComparison.Ordinal) || path.EndsWith("conv_exp", StringComparison.Ordinal) => "conv 1×1 expand",
        Conv2d when path.Contains("downsample", StringComparison.Ordinal) || path.EndsWith("conv_proj", StringComparison.Ordinal) => "conv 1×1 projection (stride/shortcut)",
        Conv2d when path == "classifier" => "conv 1×1 classifier",
        BatchNorm2d => "batchnorm",
        ReLU => "relu",
        MaxPool2d or AdaptiveAvgPool2d => "pooling",
        Linear => "linear",
        _ => "other",
    };

    /// <summary>A zoo network split into its top-level stages, with each stage's input at batch 8.</summary>
    private sealed class Net : IDisposable
    {
        public sealed record Stage(string Name, nn.Module<Tensor, Tensor>[] Modules, Tensor Input, Tensor OutputGrad);

        public string Name { get; }
        public nn.Module<Tensor, Tensor> Module { get; }
        public List<Stage> Stages { get; } = new();
        private readonly Tensor input;

        public Net(string name)
        {
            Name = name;
            var info = ZooCatalog.Find(name)!;
            Module = info.Create();
            Module.eval();
            torch.manual_seed(1);
            input = torch.randn(new long[] { Batch }.Concat(info.InputShape).ToArray());
            var children = Module.named_children().Select(c => (c.name, module: (nn.Module<Tensor, Tensor>)c.module)).ToList();
            int l1 = children.FindIndex(c => c.name == "layer1"), l4 = children.FindIndex(c => c.name == "layer4");
            var groups = new List<(string, nn.Module<Tensor, Tensor>[])> { ("stem", children.Take(l1).Select(c => c.module).ToArray()) };
            for (int i = l1; i <= l4; i++) groups.Add((children[i].name, new[] { children[i].module }));
            groups.Add(("head", children.Skip(l4 + 1).Select(c => c.module).ToArray()));
            var x = input;
            using var _ = torch.no_grad();
            foreach (var (stageName, modules) in groups)
            {
                var y = modules.Aggregate(x, (t, m) => m.call(t));
                Stages.Add(new Stage(stageName, modules, x, torch.randn_like(y)));
                x = y;
            }
        }

        public double TimeStage(Stage stage, bool train)
        {
            Module.zero_grad();
            using var scope = torch.NewDisposeScope();
            var start = Stopwatch.GetTimestamp();
            if (!train)
            {
                using var _ = torch.no_grad();
                stage.Modules.Aggregate(stage.Input, (t, m) => m.call(t));
            }
            else
            {
                var x = stage.Input.detach().requires_grad_(true);
                var y = stage.Modules.Aggregate(x, (t, m) => m.call(t));
                y.backward(new[] { stage.OutputGrad });
            }
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        public double TimeWhole(bool train)
        {
            Module.zero_grad();
            using var scope = torch.NewDisposeScope();
            var start = Stopwatch.GetTimestamp();
            if (!train)
            {
                using var _ = torch.no_grad();
                Module.call(input);
            }
            else
            {
                Module.call(input).backward(new[] { Stages[^1].OutputGrad });
            }
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        public (Dictionary<string, double> ByKind, double Total) TimeByKind()
        {
            Module.eval();
            var byKind = new Dictionary<string, double>();
            var handles = new List<Action>();
            foreach (var (path, module) in Leaves(Module, ""))
            {
                string kind = Kind(path, module);
                long start = 0;
                var m = (nn.Module<Tensor, Tensor>)module;
                var pre = m.register_forward_pre_hook((_, x) => { start = Stopwatch.GetTimestamp(); return x; });
                handles.Add(pre.remove);
                var post = m.register_forward_hook((_, _, y) =>
                {
                    byKind[kind] = byKind.GetValueOrDefault(kind) + Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    return y;
                });
                handles.Add(post.remove);
            }
            try
            {
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                var t0 = Stopwatch.GetTimestamp();
                Module.call(input);
                return (byKind, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            finally
            {
                foreach (var remove in handles) remove();
            }
        }

        private static IEnumerable<(string Path, nn.Module Module)> Leaves(nn.Module module, string prefix)
        {
            foreach (var (name, child) in module.named_children())
            {
                string path = prefix.Length == 0 ? name : $"{prefix}.{name}";
                if (child is PiXLayer or SqueezeExcitation || !child.named_children().Any()) yield return (path, child);
                else foreach (var leaf in Leaves(child, path)) yield return leaf;
            }
        }

        public void Dispose()
        {
            Module.Dispose(); input.Dispose();
            foreach (var s in Stages) { s.Input.Dispose(); s.OutputGrad.Dispose(); }
        }
    }
}
