using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen;

/// <summary>
/// What the generator knows about one <see cref="NetworkAttribute"/> class at compile time. The
/// generator emits a <c>PiXGenNetworks.All</c> catalogue of these in every assembly that declares networks.
/// </summary>
/// <param name="Name">Catalogue name (<see cref="NetworkAttribute.Name"/>, or the class name).</param>
/// <param name="Type">The generated module type.</param>
/// <param name="InputShape">Input shape of one sample (C, H, W).</param>
/// <param name="OutputShape">Output shape of one sample for the default arguments.</param>
/// <param name="Parameters">Trainable parameter count for the default arguments.</param>
/// <param name="Create">Creates the network with its default arguments.</param>
public sealed record NetworkInfo(
    string Name,
    Type Type,
    IReadOnlyList<long> InputShape,
    IReadOnlyList<long> OutputShape,
    long Parameters,
    Func<nn.Module<Tensor, Tensor>> Create)
{
    /// <summary>The build-time variant that was generated ("dense" for networks without [Variants]), e.g. "downscale(ζ=2)".</summary>
    public string Variant { get; init; } = "dense";

    /// <summary>Buffers (BatchNorm2d running statistics and batch counters), counted at compile time.</summary>
    public long Buffers { get; init; }

    /// <summary>Conv2d + Linear multiply-accumulates at batch 1, bias excluded (torchvision's "GFLOPS").</summary>
    public long Macs { get; init; }

    /// <summary>The paper (ptflops-style) convention: MACs + bias adds + 2 per BatchNorm element + 1 per activation element + 1 per pooling input element.</summary>
    public long MacsPaper { get; init; }

    /// <summary>Bytes of every layer output at batch 1, float32.</summary>
    public long ActivationBytes { get; init; }

    /// <summary>Peak live activation bytes of an inference forward at batch 1, float32 (docs/costs.md).</summary>
    public long PeakActivationBytes { get; init; }

    /// <summary>Returns the compile-time per-layer cost report (the generated class caches it).</summary>
    public Func<Costs.CostReport>? CostFactory { get; init; }

    /// <summary>The compile-time per-layer cost report, or null when not generated.</summary>
    public Costs.CostReport? Cost => CostFactory?.Invoke();

    /// <summary>Re-evaluates the cost for another input height and width, or null when not generated.</summary>
    public Func<long, long, Costs.CostReport>? CostFor { get; init; }
}
