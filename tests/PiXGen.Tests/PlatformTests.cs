using System.IO;
using PiXGen.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

public class PlatformTests
{
    [Fact]
    public void Generated_networks_apply_the_onednn_decision_and_libtorch_reflects_it()
    {
        using var model = new PiXGen.Zoo.ResNet18();
        bool cacheInfoMissing = !Directory.Exists("/sys/devices/system/cpu/cpu0/cache")
            && System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux);
        if (System.Environment.GetEnvironmentVariable("PIXGEN_MKLDNN") is null)
            Assert.Equal(cacheInfoMissing, TorchPlatform.MkldnnDisabled);
        if (TorchPlatform.MkldnnDisabled) Assert.False(TorchPlatform.MkldnnEnabled());
    }

    [Fact]
    public void Strided_1x1_convolution_backward_runs()
    {
        // Crashed the process with SIGFPE inside oneDNN on VMs without CPU cache information before the fix.
        TorchPlatform.EnsureInitialized();
        using var scope = torch.NewDisposeScope();
        using var conv = nn.Conv2d(512, 1024, 1, stride: 2, bias: false);
        var x = torch.randn(new long[] { 2, 512, 8, 8 }, requires_grad: true);
        conv.call(x).sum().backward();
        Assert.Equal(new long[] { 2, 512, 8, 8 }, x.grad!.shape);
    }
}
