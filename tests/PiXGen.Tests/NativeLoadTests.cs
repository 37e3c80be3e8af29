using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

public class NativeLoadTests
{
    [Fact]
    public void TorchSharp_native_library_loads_and_computes()
    {
        // Fails with "GLIBCXX_3.4.32 not found" on Debian 12 unless the build's native fix ran.
        using var a = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }
}
