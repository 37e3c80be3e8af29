using System;
using System.Linq;
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
}
