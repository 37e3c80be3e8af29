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
    Func<nn.Module<Tensor, Tensor>> Create);
