using System.Linq;
using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary>
/// The zoo's further families (SqueezeNet, ShuffleNetV2, MNASNet, MobileNetV3, EfficientNet, RegNet; each member one
/// line): a member's class is the family with the member's values as defaults, so built with another member's values
/// it is that member — the same state_dict names and shapes and the same parameter count.
/// </summary>
public class ZooFamilyMembersTests
{
    private static void AssertSameNetwork(TorchSharp.torch.nn.Module expected, TorchSharp.torch.nn.Module actual)
    {
        var a = expected.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var b = actual.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        Assert.All(a, kv => Assert.Equal(kv.Value, b[kv.Key]));
    }

    [Fact]
    public void MNASNet_members_differ_only_by_alpha()
    {
        using var asHalf = new MNASNet1_3(alpha: 0.5);
        using var half = new MNASNet0_5();
        AssertSameNetwork(half, asHalf);
        Assert.Equal(MNASNet0_5.ParameterCount, asHalf.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void EfficientNet_b0_with_b3s_multipliers_is_b3()
    {
        using var asB3 = new EfficientNetB0(widthMult: 1.2, depthMult: 1.4, dropout: 0.3);
        using var b3 = new EfficientNetB3();
        AssertSameNetwork(b3, asB3);
        Assert.Equal(EfficientNetB3.ParameterCount, asB3.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void SqueezeNet_ShuffleNet_MobileNetV3_and_RegNet_members_are_their_family_with_other_values()
    {
        using (var a = new SqueezeNet1_1(version: 10)) using (var b = new SqueezeNet1_0()) AssertSameNetwork(b, a);
        using (var a = new ShuffleNetV2_x1_0(c2: 244, c3: 488, c4: 976, c5: 2048)) using (var b = new ShuffleNetV2_x2_0()) AssertSameNetwork(b, a);
        using (var a = new MobileNetV3Large(small: true)) using (var b = new MobileNetV3Small()) AssertSameNetwork(b, a);
        // RegNetY-400MF's table without squeeze-excitation: its SE layers go, everything else stays
        using var y = new RegNetY_400MF();
        using var noSe = new RegNetY_400MF(seRatio: 0.0);
        var kept = y.state_dict().Keys.Where(k => !k.Contains(".f.se.")).OrderBy(k => k);
        Assert.Equal(kept, noSe.state_dict().Keys.OrderBy(k => k));
    }
}
