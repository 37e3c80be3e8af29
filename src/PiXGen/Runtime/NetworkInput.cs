using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Runtime;

/// <summary>
/// The input check generated networks run first in <c>forward</c>: a batch of the declared channel count (and, where
/// the network needs one, the declared height and width), so a wrong input is one exception naming the network and
/// both shapes instead of a libtorch error deep inside the first convolution.
/// </summary>
public static class NetworkInput
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="input"/> is (N, channels, H, W), with H and W equal to
    /// <paramref name="height"/> and <paramref name="width"/> when those are positive.</summary>
    public static void Check(Tensor input, string network, long channels, long height = -1, long width = -1)
    {
        var shape = input.shape;
        bool ok = shape.Length == 4 && shape[1] == channels && (height <= 0 || shape[2] == height) && (width <= 0 || shape[3] == width);
        if (ok) return;
        string expected = height > 0 ? $"(N, {channels}, {height}, {width})" : $"(N, {channels}, H, W)";
        string why = height > 0 ? $"; its classifier needs exactly {height}x{width}" : "";
        throw new ArgumentException(
            $"{network} expects an input of shape {expected}{why}; got ({string.Join(", ", shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}).",
            nameof(input));
    }

    /// <summary>
    /// <see cref="Check(Tensor, string, long, long, long)"/>, then the input's dtype and device against the network's
    /// weights (its first floating-point parameter): a float64 batch for a float32 network is one exception naming both
    /// dtypes and the conversion, instead of libtorch's "expected scalar type Double but found Float" from the first layer.
    /// </summary>
    public static void Check(Tensor input, nn.Module module, string network, long channels, long height = -1, long width = -1)
    {
        Check(input, network, channels, height, width);
        foreach (var p in module.parameters()) {
            if (!p.is_floating_point()) continue;
            if (input.dtype != p.dtype)
                throw new ArgumentException(
                    $"{network}'s weights are {p.dtype} but the input is {input.dtype}; convert the input with input.to(ScalarType.{p.dtype}) " +
                    $"(or the network with model.to(ScalarType.{input.dtype})).",
                    nameof(input));
            if (input.device_type != p.device_type || input.device_index != p.device_index)
                throw new ArgumentException(
                    $"{network}'s weights are on {p.device} but the input is on {input.device}; move one to the other's device (input.to(device) or model.to(device)).",
                    nameof(input));
            return;
        }
    }
}
