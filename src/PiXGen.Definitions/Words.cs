// Shared by the generator and the runtime (see Arithmetic.cs): the words that word-valued settings accept, so that the
// generator's checks (PIX0106 with the nearest word) and the runtime's (exceptions naming the setting) read one list.
#if PIXGEN_GENERATOR
namespace PiXGen.Generators.Definitions;
#else
namespace PiXGen.Definitions;
#endif

/// <summary>The accepted words of every word-valued setting; in each list the first word is the default.</summary>
public static class Words
{
    /// <summary>Initialisation schemes (<c>[Init(scheme)]</c>, <c>PiXGen.Init.InitPlan</c>), in documentation order.</summary>
    public static readonly string[] InitSchemes =
    {
        "torchvision-resnet", "torchvision-mobilenet", "torchvision-efficientnet", "torchvision-vgg", "torchvision-densenet",
        "torchvision-regnet", "torchvision-googlenet", "torchvision-inception", "torchvision-convnext", "xavier", "torchsharp-default",
    };

    /// <summary><c>[SqueezeExcitation(Activation = …)]</c>: the activation after <c>fc1</c>.</summary>
    public static readonly string[] SqueezeExcitationActivations = { "ReLU", "SiLU", "ReLU6", "Hardswish", "GELU" };

    /// <summary><c>[SqueezeExcitation(ScaleActivation = …)]</c>: the gate after <c>fc2</c>.</summary>
    public static readonly string[] SqueezeExcitationScaleActivations = { "Sigmoid", "Hardsigmoid" };

    /// <summary><c>[GELU(Approximate = …)]</c>.</summary>
    public static readonly string[] GeluApproximations = { "none", "tanh" };

    /// <summary><c>[Upsample(Mode = …)]</c>.</summary>
    public static readonly string[] UpsampleModes = { "nearest", "bilinear" };

    /// <summary><c>[StochasticDepth(Mode = …)]</c>: one draw per sample or one per batch.</summary>
    public static readonly string[] StochasticDepthModes = { "row", "batch" };
}
