using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary>Helpers for the checkpoint tests: a temporary folder, fixtures, state snapshots, a small network.</summary>
internal static class CheckpointTestSupport
{
    public static string Fixture(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoints", name);
        Assert.True(File.Exists(path), $"fixture {path} is missing (tools/fixtures/make_checkpoints.py writes it)");
        return path;
    }

    /// <summary>A copy of every state_dict tensor, to prove later that nothing changed.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    public static void AssertUnchanged(Dictionary<string, Tensor> before, nn.Module module)
    {
        var now = module.state_dict();
        Assert.Equal(before.Keys.OrderBy(k => k), now.Keys.OrderBy(k => k));
        foreach (var (key, value) in before)
            Assert.True(Same(now[key], value), $"{key} changed");
    }

    /// <summary>Same dtype, shape and elements (TorchSharp's Tensor.equal is elementwise).</summary>
    public static bool Same(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && (a.numel() == 0 || a.eq(b).all().item<bool>());

    /// <summary>Relative L2 distance ‖a − b‖ / ‖b‖ in double precision.</summary>
    public static double RelativeL2(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            num += d * d;
            den += (double)b[i] * b[i];
        }
        return Math.Sqrt(num / den);
    }

    /// <summary>A small network with every kind of state: conv weight and bias, BatchNorm statistics (with the int64
    /// num_batches_tracked), a linear layer — keys conv.*, bn.*, fc.*.</summary>
    public static nn.Module<Tensor, Tensor> SmallNet(long classes = 5)
    {
        var net = nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("bn", nn.BatchNorm2d(4)),
            ("relu", nn.ReLU()),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(4, classes)));
        using (no_grad())
        {
            foreach (var (key, t) in net.state_dict())
            {
                if (t.is_floating_point()) t.copy_(randn(t.shape));
                else t.fill_(3);
            }
        }
        return net;
    }
}

/// <summary>A temporary folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pixgen-ckpt-" + Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
