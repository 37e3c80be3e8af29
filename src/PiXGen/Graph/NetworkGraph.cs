using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace PiXGen.Graph;

/// <summary>
/// The dataflow graph of a generated network, emitted by the compiler from its IR (the generated
/// <c>Graph</c> property of every network). Nodes are in topological order; each produces one value
/// named <see cref="GraphNode.Output"/>; the network input is the value <see cref="NetworkGraph.InputName"/>
/// and the network output is <see cref="NetworkGraph.Output"/>. Parameters live in the module: a node with a
/// <see cref="GraphNode.Module"/> reads <c>Module + ".weight"</c>, <c>".bias"</c>, <c>".running_mean"</c>, … from
/// the network's state_dict.
/// </summary>
/// <remarks>
/// Ops and attributes (integers as invariant text, pairs as "h,w", flags as "true"/"false"):
/// <list type="bullet">
/// <item><c>Conv2d</c>: in, out, kernel, stride, padding, dilation (pairs), groups, bias.</item>
/// <item><c>ConvTranspose2d</c>: the same plus output_padding (pair).</item>
/// <item><c>Linear</c> (a kind of <c>PiXGen.Definitions.DefinedKind.All</c>): in, out, bias; weight (out, in) and bias at
/// <c>Module.weight</c>, <c>Module.bias</c>; over the last axis (a flattened vector, or a channels-last map after <c>Permute</c>).</item>
/// <item><c>Permute</c> (dim0 … dim3: (0, 2, 3, 1) or (0, 3, 1, 2)); a channels-last value's shape is H, W, C.</item>
/// <item><c>LayerScale</c> (a kind of <c>PiXGen.Definitions.DefinedKind.All</c>, a parameter of its owner): channels, value (its
/// initial value); the node's module is the C×1×1 parameter's own key, its output the module's path + ".mul".</item>
/// <item>Activations (no attributes unless stated): <c>ReLU</c>, <c>ReLU6</c>, <c>SiLU</c>, <c>Sigmoid</c>, <c>Hardswish</c>,
/// <c>Hardsigmoid</c>, <c>Tanh</c>, <c>GELU</c> (approximate: none|tanh), <c>LeakyReLU</c> (slope), and the activations of
/// <c>PiXGen.Definitions.DefinedKind.All</c>: <c>ELU</c> (alpha), <c>Mish</c>; <c>PixelShuffle</c> (upscale_factor); <c>InstanceNorm2d</c> (eps); <c>ChannelShuffle</c> (groups); <c>GroupNorm</c> (groups,
/// channels, eps, affine; weight and bias at <c>Module.weight</c>, <c>Module.bias</c> when affine); <c>BatchNorm2d</c> (channels, eps;
/// running_mean and running_var at <c>Module.running_mean</c>, <c>Module.running_var</c>, weight and bias when present);
/// <c>LayerNorm2d</c> (over the channels at each position: channels, eps, affine; weight and bias when affine); <c>LayerNorm</c>
/// (over the last axis, a vector's features or a channels-last map's channels: channels, eps, affine).</item>
/// <item>Identity in eval: <c>Identity</c>, <c>Dropout</c> (p), <c>StochasticDepth</c> (p, mode).</item>
/// <item>Pools, defined kinds too (pairs as "h,w"): <c>MaxPool2d</c>/<c>AvgPool2d</c>: kernel, stride, padding (pairs), ceil, and
/// dilation (pair) for MaxPool2d, count_include_pad for AvgPool2d; <c>AdaptiveAvgPool2d</c>/<c>AdaptiveMaxPool2d</c>: size (pair).</item>
/// <item><c>Flatten</c>: flattens every dimension after the batch.</item>
/// <item><c>Add</c> (two or more inputs), <c>Mul</c> (inputs x and a per-channel scale N×C×1×1, broadcast),
/// <c>Concat</c> (channel axis), <c>ChannelSlice</c> (start, count).</item>
/// <item><c>Upsample</c> (a kind of <c>PiXGen.Definitions.DefinedKind.All</c>): mode (nearest|bilinear), size (pair) of the
/// output (recorded at instantiation, whether a scale factor or a size was written), align_corners.</item>
/// <item><c>PiX</c>: in, out, zeta, tau, mode (0 pick-or-mix, 1 avg, 2 max), context (0 mean, 1 l1), bias; φ's weight at
/// <c>Module.weight</c>.</item>
/// </list>
/// </remarks>
public sealed record NetworkGraph(string Network, long[] InputShape, IReadOnlyList<GraphNode> Nodes, string Output)
{
    /// <summary>The name of the network input value.</summary>
    public const string InputName = "input";

    /// <summary>The node producing <paramref name="value"/>, or null for the input.</summary>
    public GraphNode? Producer(string value) => Nodes.FirstOrDefault(n => n.Output == value);

    /// <summary>The nodes reading <paramref name="value"/>.</summary>
    public IEnumerable<GraphNode> Consumers(string value) => Nodes.Where(n => n.Inputs.Contains(value));
}

/// <summary>One op of a <see cref="NetworkGraph"/>.</summary>
/// <param name="Output">The value this node produces (unique in the graph).</param>
/// <param name="Op">The op name (see <see cref="NetworkGraph"/>).</param>
/// <param name="Inputs">The values it reads, in order.</param>
/// <param name="Module">The state_dict prefix of its parameters and buffers ("layer1.0.conv1"), or null.</param>
/// <param name="Attributes">Settings as name/value text pairs.</param>
/// <param name="Shape">The output shape of one sample (C, H, W or features), as inferred at compile time.</param>
public sealed record GraphNode(string Output, string Op, string[] Inputs, string? Module, GraphAttribute[] Attributes, long[] Shape)
{
    /// <summary>The attribute's text, or null.</summary>
    public string? Get(string name)
    {
        foreach (var a in Attributes) if (a.Name == name) return a.Value;
        return null;
    }

    /// <summary>An integer attribute (the first of a pair).</summary>
    public long GetInt(string name, long fallback = 0) => Get(name) is { } v ? long.Parse(v.Split(',')[0], CultureInfo.InvariantCulture) : fallback;

    /// <summary>A pair attribute ("h,w"; a single value means both).</summary>
    public long[] GetPair(string name, long fallback = 0)
    {
        var v = Get(name);
        if (v is null) return new[] { fallback, fallback };
        var parts = v.Split(',').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return parts.Length == 1 ? new[] { parts[0], parts[0] } : parts;
    }

    /// <summary>A real attribute.</summary>
    public double GetDouble(string name, double fallback = 0) => Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A flag attribute.</summary>
    public bool GetBool(string name, bool fallback = false) => Get(name) is { } v ? v == "true" : fallback;
}

/// <summary>A node attribute: name and invariant text value.</summary>
public readonly record struct GraphAttribute(string Name, string Value);

/// <summary>Implemented by generated networks: the compiler's dataflow graph of the network.</summary>
public interface IHasGraph
{
    /// <summary>The network's dataflow graph at its declared input shape.</summary>
    NetworkGraph Graph { get; }
}
