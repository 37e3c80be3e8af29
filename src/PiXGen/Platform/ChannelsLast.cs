using System;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Platform;

/// <summary>
/// libtorch's channels-last memory format for training batches. A 4-d tensor (N, C, H, W) whose storage is ordered
/// N, H, W, C leads libtorch to run every convolution, BatchNorm and pooling layer after it in that format, the way
/// PyTorch's <c>model.to(memory_format=torch.channels_last)</c> does; the values are the same, only their order in
/// memory differs. With oneDNN's convolutions a ResNet-50 training step is markedly faster that way
/// (docs/benchmarks/engines.md). TorchSharp 0.107 has no memory-format argument, so the format is set through strides.
/// <para>
/// <see cref="PiXGen.Training.Trainer"/> and <c>PiXGen.Zoo bench --train</c> give the network its batch through <see cref="Prepare"/>.
/// The default is on where oneDNN runs training (<see cref="TorchPlatform.MkldnnDisabled"/> false, and not
/// inference-only), off where libtorch's native convolutions do (there it depends on the network: ResNets gain, networks
/// with depthwise convolutions run about 2× slower, PiX-ResNet-50 loses its advantage; docs/platform.md); the environment
/// variable <c>PIXGEN_CHANNELS_LAST</c> (<c>1</c> or <c>0</c>) or <see cref="ForTraining"/> overrides it.
/// </para>
/// </summary>
public static class ChannelsLast
{
    /// <summary>The environment variable that overrides the default: <c>1</c> on, <c>0</c> off.</summary>
    public const string SettingVariable = "PIXGEN_CHANNELS_LAST";

    private static bool? setting;

    /// <summary>Whether <see cref="Prepare"/> gives training batches the channels-last format (see the class remarks).</summary>
    public static bool ForTraining
    {
        get => setting ??= Default(Environment.GetEnvironmentVariable(SettingVariable));
        set => setting = value;
    }

    /// <summary>The default for a value of <c>PIXGEN_CHANNELS_LAST</c> (null: unset): on where oneDNN runs training.</summary>
    internal static bool Default(string? variable)
    {
        switch (variable?.Trim())
        {
            case null or "": break;
            case "1": return true;
            case "0": return false;
            default:
                throw new InvalidOperationException(
                    $"{SettingVariable}='{variable}' is not a setting: use 1 (channels-last training batches) or 0 (NCHW).");
        }
        TorchPlatform.EnsureInitialized();
        return !TorchPlatform.MkldnnDisabled && !TorchPlatform.MkldnnForInferenceOnly;
    }

    /// <summary>
    /// <paramref name="batch"/> in the channels-last format when <see cref="ForTraining"/> is on and it is 4-d and not in
    /// that format already (a copy); otherwise <paramref name="batch"/> itself.
    /// </summary>
    public static Tensor Prepare(Tensor batch) =>
        ForTraining && batch.dim() == 4 && !Is(batch) ? To(batch) : batch;

    /// <summary>
    /// Whether <paramref name="t"/> is a dense 4-d tensor stored as N, H, W, C and not also an ordinary contiguous one
    /// (one channel, or one pixel, is both; it then counts as NCHW).
    /// </summary>
    public static bool Is(Tensor t)
    {
        if (t.dim() != 4 || t.is_contiguous()) return false;
        long c = t.shape[1], h = t.shape[2], w = t.shape[3];
        var s = t.stride();
        return s[1] == 1 && (w == 1 || s[3] == c) && (h == 1 || s[2] == w * c) && (t.shape[0] == 1 || s[0] == h * w * c);
    }

    /// <summary>A copy of 4-d <paramref name="t"/> in the channels-last format (same shape and values), or t if it is in it.</summary>
    public static Tensor To(Tensor t)
    {
        if (t.dim() != 4)
            throw new ArgumentException($"The channels-last format is for 4-d (N, C, H, W) tensors; got shape [{string.Join(", ", t.shape)}].", nameof(t));
        return Is(t) ? t.alias() : t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /// <summary>A new uninitialised (N, C, H, W) tensor stored in the channels-last format.</summary>
    internal static Tensor Empty(long n, long c, long h, long w, ScalarType dtype, Device device) =>
        empty(new[] { n, h, w, c }, dtype: dtype, device: device).permute(0, 3, 1, 2);
}
