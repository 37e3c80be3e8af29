using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Benchmarks;

/// <summary>
/// <c>-- --fusion [--model NAME]... [--batch N] [--rounds N]</c>: eval forward of a zoo network as generated vs its
/// <see cref="FusedNetwork"/> (BatchNorm folded, activations fused), Stopwatch, the two alternating, median over rounds
/// after one warm-up each; also the relative L2 difference of their logits. Without <c>--model</c>: resnet50. A zoo
/// network is used with its compiler graph (IHasGraph); until the generator emits it, resnet50's graph is described here
/// with <see cref="NetworkGraphBuilder"/>. The table is written to BenchmarkDotNet.Artifacts/fusion-table.md.
/// </summary>
public static class FusionBenchmarks
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Run(string[] args)
    {
        int batch = Option(args, "--batch", 8), rounds = Option(args, "--rounds", 7);
        var models = args.Select((a, i) => a == "--model" && i + 1 < args.Length ? args[i + 1] : null).OfType<string>().ToList();
        if (models.Count == 0) models.Add("resnet50");
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(Ci, $"Eval forward, batch {batch}, float32, {torch.get_num_threads()} threads; median ms over {rounds} rounds (module and fused alternating)."));
        sb.AppendLine();
        sb.AppendLine("| model | nodes → fused | module ms | fused ms | speed-up | rel. L2 (logits) |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (var name in models) {
            var info = ZooCatalog.Find(name) ?? throw new ArgumentException($"unknown model '{name}'.");
            using var module = info.Create();
            module.eval();
            var graph = module is IHasGraph g ? g.Graph
                      : name == "resnet50" ? ResNet50Graph()
                      : throw new ArgumentException($"'{name}' has no compiler graph yet (IHasGraph); only resnet50 is described here.");
            using var fused = new FusedNetwork(graph, module.state_dict());
            using var x = randn(new[] { (long)batch }.Concat(graph.InputShape).ToArray(), generator: new Generator(3));
            using var noGrad = no_grad();
            double err;
            using (var a = module.call(x)) using (var b = fused.call(x))
                err = ((a - b).norm() / a.norm()).item<float>();
            var tm = new List<double>();
            var tf = new List<double>();
            for (int r = -1; r < rounds; r++) {
                double m = Time(() => module.call(x)), f = Time(() => fused.call(x));
                if (r >= 0) { tm.Add(m); tf.Add(f); }
            }
            double mm = Median(tm), mf = Median(tf);
            sb.AppendLine(string.Create(Ci, $"| {name} | {graph.Nodes.Count} → {fused.Graph.Nodes.Count} | {mm:F1} | {mf:F1} | {mm / mf:F2}× | {err:E1} |"));
        }
        return sb.ToString();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], Ci) : fallback;
    }

    private static double Time(Func<Tensor> forward)
    {
        long start = Stopwatch.GetTimestamp();
        using (forward()) { }
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(v => v).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>The zoo's resnet50 (torchvision layout and names, Bottleneck blocks) as a graph.</summary>
    private static NetworkGraph ResNet50Graph()
    {
        var g = new NetworkGraphBuilder("resnet50", 3, 224, 224);
        var x = g.Conv(NetworkGraph.InputName, "conv1", 64, 7, 2, 3);
        x = g.Act(g.BN(x, "bn1"), "relu", "ReLU");
        x = g.Pool("MaxPool2d", x, "maxpool", 3, 2, 1);
        long inC = 64;
        foreach (var (stage, planes, depth) in new[] { (1, 64L, 3), (2, 128L, 4), (3, 256L, 6), (4, 512L, 3) })
            for (int b = 0; b < depth; b++) {
                string p = $"layer{stage}.{b}";
                long stride = stage > 1 && b == 0 ? 2 : 1, expanded = planes * 4;
                var y = g.Act(g.BN(g.Conv(x, p + ".conv1", planes, 1), p + ".bn1"), p + ".relu1", "ReLU");
                y = g.Act(g.BN(g.Conv(y, p + ".conv2", planes, 3, stride, 1), p + ".bn2"), p + ".relu2", "ReLU");
                y = g.BN(g.Conv(y, p + ".conv3", expanded, 1), p + ".bn3");
                var shortcut = stride != 1 || inC != expanded ? g.BN(g.Conv(x, p + ".downsample.0", expanded, 1, stride), p + ".downsample.1") : x;
                x = g.Act(g.Add(p + ".add", y, shortcut), p + ".relu", "ReLU");
                inC = expanded;
            }
        x = g.Flatten(g.Adaptive("AdaptiveAvgPool2d", x, "avgpool", 1, 1), "flatten");
        return g.Build(g.Linear(x, "fc", 1000));
    }
}
