using PiXGen.Graph;
using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary>
/// The networks of nested [Branch] groups (Inception-v3's InceptionE) and of PiX substitution reaching branch members
/// (googlenet_pix, inception_v3_pix) export to ONNX, plain and fused, and run in ONNX Runtime like the module
/// (BatchNorm statistics randomised first); ZooGraphTests' sample reaches them only some days.
/// </summary>
public class BranchNetworkOnnxTests
{
    [Theory]
    [InlineData("inception_v3", false)]
    [InlineData("inception_v3", true)]
    [InlineData("googlenet_pix", true)]
    [InlineData("inception_v3_pix", true)]
    public void Onnx_export_runs_in_onnx_runtime_like_the_module(string name, bool fuse)
    {
        using var module = ZooCatalog.Find(name)!.Create();
        var graph = Assert.IsAssignableFrom<IHasGraph>(module).Graph;
        GraphTestNets.RandomizeNorms(module, graph);
        OnnxExportTests.OnnxMatchesModule(module, graph, fuse);
    }
}
