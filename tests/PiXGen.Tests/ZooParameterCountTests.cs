using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary>
/// Zoo models without logits in the reference file: their parameter counts must equal the ones torchvision
/// documents for its weights (the "num_params" of each model's weights meta data), at compile time and run time.
/// </summary>
public class ZooParameterCountTests
{
    [SkippableTheory]
    [InlineData("resnet34", 21_797_672)]
    [InlineData("resnet101", 44_549_160)]
    [InlineData("resnet152", 60_192_808)]
    [InlineData("resnext50_32x4d", 25_028_904)]
    [InlineData("wide_resnet50_2", 68_883_240)]
    [InlineData("vgg11", 132_863_336)]
    [InlineData("vgg11_bn", 132_868_840)]
    [InlineData("vgg13", 133_047_848)]
    [InlineData("vgg13_bn", 133_053_736)]
    [InlineData("vgg16_bn", 138_365_992)]
    [InlineData("vgg19", 143_667_240)]
    [InlineData("vgg19_bn", 143_678_248)]
    public void Parameter_count_equals_torchvision(string name, long expected)
    {
        ZooSample.SkipUnlessSampled(name);
        var info = ZooCatalog.Find(name);
        Assert.NotNull(info);
        Assert.Equal(expected, info!.Parameters);
        using var model = info.Create();
        long runtime = 0;
        foreach (var p in model.parameters()) runtime += p.numel();
        Assert.Equal(expected, runtime);
    }
}
