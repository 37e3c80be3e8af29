using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.PiX;

using PiXGen.Definitions;

namespace PiXGen.Graph;

/// <summary>
/// Builds a <see cref="NetworkGraph"/> by hand — for a module the generator did not write, or to describe a network in a
/// test — working out each node's per-sample shape as it is added. Every method adds one node and returns the value it
/// produces; nodes with parameters are named after their state_dict prefix (<c>module</c>).
/// </summary>
/// <example><code>
/// var g = new NetworkGraphBuilder("TinyNet", 3, 32, 32);
/// var x = g.Conv(NetworkGraph.InputName, "conv1", 16, 3, p: 1, bias: true);
/// x = g.Act(g.BN(x, "bn1"), "relu", "ReLU");
/// x = g.Flatten(g.Adaptive("AdaptiveAvgPool2d", x, "pool", 1, 1), "flatten");
/// var graph = g.Build(g.Linear(x, "fc", 10));
/// </code></example>
public sealed class NetworkGraphBuilder
{
    private readonly string network;
    private readonly long[] input;
    private readonly List<GraphNode> nodes = new();
    private readonly Dictionary<string, long[]> shapes = new(StringComparer.Ordinal);

    /// <summary>A builder for the network <paramref name="network"/> with per-sample input shape (C, H, W).</summary>
    public NetworkGraphBuilder(string network, params long[] input)
    {
        this.network = network;
        this.input = input;
        shapes[NetworkGraph.InputName] = input;
    }

    /// <summary>The per-sample shape of <paramref name="value"/>.</summary>
    public long[] Shape(string value) => shapes[value];

    /// <summary>The graph so far, with <paramref name="output"/> as the network output.</summary>
    public NetworkGraph Build(string output) => new(network, input, nodes.ToArray(), output);

    private string Node(string output, string op, string[] inputs, string? module, long[] shape, params (string name, object value)[] attrs)
    {
        var a = attrs.Select(p => new GraphAttribute(p.name, p.value switch {
            bool b => b ? "true" : "false",
            long[] pair => string.Join(",", pair.Select(v => v.ToString(CultureInfo.InvariantCulture))),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => p.value.ToString()!,
        })).ToArray();
        nodes.Add(new GraphNode(output, op, inputs, module, a, shape));
        shapes[output] = shape;
        return output;
    }

    private static long Out(long size, long k, long s, long p, long d = 1, bool ceil = false) => Arithmetic.WindowOut(size, k, s, p, d, ceil);

    /// <summary><c>Conv2d</c> (square kernel <paramref name="k"/>, stride, padding, groups, dilation).</summary>
    public string Conv(string x, string module, long outC, long k, long s = 1, long p = 0, long groups = 1, bool bias = false, long d = 1)
    {
        var i = shapes[x];
        return Node(module, DefinedKind.Conv2d.Name, new[] { x }, module, new[] { outC, Out(i[1], k, s, p, d), Out(i[2], k, s, p, d) },
                    ("in", i[0]), ("out", outC), ("kernel", new[] { k, k }), ("stride", new[] { s, s }), ("padding", new[] { p, p }),
                    ("dilation", new[] { d, d }), ("groups", groups), ("bias", bias));
    }

    /// <summary><c>ConvTranspose2d</c>.</summary>
    public string ConvTranspose(string x, string module, long outC, long k, long s = 1, long p = 0, long outputPadding = 0, long groups = 1, bool bias = false)
    {
        var i = shapes[x];
        long O(long size) => Arithmetic.TransposedOut(size, k, s, p, 1, outputPadding);
        return Node(module, DefinedKind.ConvTranspose2d.Name, new[] { x }, module, new[] { outC, O(i[1]), O(i[2]) },
                    ("in", i[0]), ("out", outC), ("kernel", new[] { k, k }), ("stride", new[] { s, s }), ("padding", new[] { p, p }),
                    ("dilation", new[] { 1L, 1L }), ("groups", groups), ("bias", bias), ("output_padding", new[] { outputPadding, outputPadding }));
    }

    /// <summary><see cref="DefinedKind.BatchNorm2d"/> over the channels of <paramref name="x"/>.</summary>
    public string BN(string x, string module, double eps = 1e-5) =>
        Node(module, DefinedKind.BatchNorm2d.Name, new[] { x }, module, shapes[x], ("channels", shapes[x][0]), ("eps", eps));

    /// <summary><c>GroupNorm</c> (affine).</summary>
    public string GroupNorm(string x, string module, long groups, double eps = 1e-5) =>
        Node(module, "GroupNorm", new[] { x }, module, shapes[x], ("groups", groups), ("channels", shapes[x][0]), ("eps", eps), ("affine", true));

    /// <summary><c>LayerNorm2d</c>: over the channels at each position (affine).</summary>
    public string LayerNorm2d(string x, string module, double eps = 1e-6) =>
        Node(module, "LayerNorm2d", new[] { x }, module, shapes[x], ("channels", shapes[x][0]), ("eps", eps), ("affine", true));

    /// <summary><c>Linear</c> over the last axis: on (N, features), or on a channels-last (N, H, W, C) map.</summary>
    public string Linear(string x, string module, long outF, bool bias = true) =>
        Node(module, DefinedKind.Linear.Name, new[] { x }, module, shapes[x][..^1].Append(outF).ToArray(), ("in", shapes[x][^1]), ("out", outF), ("bias", bias));

    /// <summary><c>LayerNorm</c> over the last axis (a vector's features, a channels-last map's channels).</summary>
    public string LayerNorm(string x, string module, double eps = 1e-6) =>
        Node(module, "LayerNorm", new[] { x }, module, shapes[x], ("channels", shapes[x][^1]), ("eps", eps), ("affine", true));

    /// <summary><c>Permute</c> of a map: (0, 2, 3, 1) moves the channels last, (0, 3, 1, 2) back.</summary>
    public string Permute(string x, string name, bool toChannelsLast)
    {
        var s = shapes[x];
        long[] order = toChannelsLast ? new long[] { 0, 2, 3, 1 } : new long[] { 0, 3, 1, 2 };
        return Node(name, "Permute", new[] { x }, null, toChannelsLast ? new[] { s[1], s[2], s[0] } : new[] { s[2], s[0], s[1] },
            ("dim0", order[0]), ("dim1", order[1]), ("dim2", order[2]), ("dim3", order[3]));
    }

    /// <summary><c>LayerScale</c>: the map times the C×1×1 parameter whose key is <paramref name="parameter"/>.</summary>
    public string LayerScale(string x, string parameter, double value = 1e-6) =>
        Node(parameter + ".mul", "LayerScale", new[] { x }, parameter, shapes[x], ("channels", shapes[x][0]), ("value", value));

    /// <summary>An activation op (<c>ReLU</c>, <c>SiLU</c>, …) named <paramref name="name"/>.</summary>
    public string Act(string x, string name, string op, params (string, object)[] attrs) => Node(name, op, new[] { x }, null, shapes[x], attrs);

    /// <summary><c>MaxPool2d</c> or <c>AvgPool2d</c> (<paramref name="op"/>).</summary>
    public string Pool(string op, string x, string name, long k, long s, long p, bool ceil = false, bool countIncludePad = true)
    {
        var i = shapes[x];
        var attrs = new List<(string, object)> { ("kernel", new[] { k, k }), ("stride", new[] { s, s }), ("padding", new[] { p, p }), ("ceil", ceil) };
        if (op == "AvgPool2d") attrs.Add(("count_include_pad", countIncludePad));
        return Node(name, op, new[] { x }, null, new[] { i[0], Out(i[1], k, s, p, 1, ceil), Out(i[2], k, s, p, 1, ceil) }, attrs.ToArray());
    }

    /// <summary><c>AdaptiveAvgPool2d</c> or <c>AdaptiveMaxPool2d</c> (<paramref name="op"/>) to h×w.</summary>
    public string Adaptive(string op, string x, string name, long h, long w) =>
        Node(name, op, new[] { x }, null, new[] { shapes[x][0], h, w }, ("size", new[] { h, w }));

    /// <summary><c>Flatten</c> of every dimension after the batch.</summary>
    public string Flatten(string x, string name) => Node(name, "Flatten", new[] { x }, null, new[] { shapes[x].Aggregate(1L, (a, b) => a * b) });

    /// <summary><c>Add</c> of two or more values.</summary>
    public string Add(string name, params string[] xs) => Node(name, "Add", xs, null, shapes[xs[0]]);

    /// <summary><c>Mul</c> of <paramref name="x"/> by a per-channel <paramref name="scale"/> (N×C×1×1).</summary>
    public string Mul(string name, string x, string scale) => Node(name, "Mul", new[] { x, scale }, null, shapes[x]);

    /// <summary><c>Concat</c> along the channels.</summary>
    public string Concat(string name, params string[] xs)
    {
        var s = shapes[xs[0]].ToArray();
        s[0] = xs.Sum(v => shapes[v][0]);
        return Node(name, "Concat", xs, null, s);
    }

    /// <summary><c>ChannelSlice</c>.</summary>
    public string Slice(string x, string name, long start, long count)
    {
        var s = shapes[x].ToArray();
        s[0] = count;
        return Node(name, "ChannelSlice", new[] { x }, null, s, ("start", start), ("count", count));
    }

    /// <summary><c>ChannelShuffle</c>.</summary>
    public string Shuffle(string x, string name, long groups) => Node(name, "ChannelShuffle", new[] { x }, null, shapes[x], ("groups", groups));

    /// <summary><c>Upsample</c> (nearest or bilinear) to h×w.</summary>
    public string Upsample(string x, string name, string mode, long h, long w, bool alignCorners = false) =>
        Node(name, "Upsample", new[] { x }, null, new[] { shapes[x][0], h, w }, ("mode", mode), ("size", new[] { h, w }), ("align_corners", alignCorners));

    /// <summary>An op that is the identity in eval (<c>Identity</c>, <c>Dropout</c>, <c>StochasticDepth</c>).</summary>
    public string Identity(string x, string name, string op = "Identity", params (string, object)[] attrs) => Node(name, op, new[] { x }, null, shapes[x], attrs);

    /// <summary><c>PiX</c> with squeeze factor ζ; φ's weight at <c>module.weight</c>.</summary>
    public string PiX(string x, string module, int zeta, double tau = 0.5, PiXMode mode = PiXMode.PickOrMix, PiXContext context = PiXContext.Mean, bool bias = false)
    {
        var i = shapes[x];
        long co = PiXFunctional.OutputChannels(i[0], zeta);
        return Node(module, DefinedKind.PiX.Name, new[] { x }, module, new[] { co, i[1], i[2] },
                    ("in", i[0]), ("out", co), ("zeta", (long)zeta), ("tau", tau), ("mode", (long)mode), ("context", (long)context), ("bias", bias));
    }
}
