using System.Linq;
using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary>
/// The zoo's ResNet family (one declaration, each member one line): the members keep the constructor their classes had
/// before the family — the class count first — and their arguments are the family's, with the member's values as defaults.
/// </summary>
public class ZooFamilyTests
{
    [Fact]
    public void A_member_keeps_the_class_count_as_its_first_constructor_argument()
    {
        using var model = new ResNet18(10);
        Assert.Equal(new long[] { 10, 512 }, model.state_dict()["fc.weight"].shape);
        var first = typeof(ResNet50).GetConstructors().Single().GetParameters().First();
        Assert.Equal("numClasses", first.Name);
        Assert.Equal(1000, first.DefaultValue);
    }

    [Fact]
    public void A_member_is_the_family_with_its_own_defaults_and_can_be_built_as_another_member()
    {
        // ResNet50's defaults are depth 50, groups 1, width 64: its class with depth 18 builds ResNet-18's network.
        using var asResNet18 = new ResNet50(depth: 18);
        using var resnet18 = new ResNet18();
        Assert.Equal(resnet18.state_dict().Keys.OrderBy(k => k), asResNet18.state_dict().Keys.OrderBy(k => k));
        Assert.Equal(ResNet18.ParameterCount, asResNet18.parameters().Sum(p => p.numel()));
    }
}
