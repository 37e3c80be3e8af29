using System.Linq;
using PiXGen.Definitions;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Layers;

/// <summary>
/// Generated code's construction of a defined kind's TorchSharp module (src/PiXGen.Definitions/DefinedKinds.cs) when
/// TorchSharp does not initialise its tensors as PyTorch does: the kind's own rule (<see cref="KindTensor.Init"/>) sets
/// them. TorchSharp 0.107's <c>nn.GroupNorm</c> leaves weight and bias uninitialised, where PyTorch starts them at 1 and 0.
/// </summary>
public static class DefinedModules
{
    /// <summary><paramref name="module"/>, built for the defined kind <paramref name="kind"/> with the setting
    /// <paramref name="values"/>, with every tensor the kind declares set to its initial value ("ones", "zeros").</summary>
    public static T Initialised<T>(string kind, T module, params double[] values) where T : nn.Module
    {
        var tensors = module.named_parameters().Select(p => (p.name, Tensor: (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, Tensor: b.buffer))).ToDictionary(t => t.name, t => t.Tensor);
        using (no_grad())
            foreach (var declared in DefinedKind.All[kind].Tensors(values))
                if (tensors.TryGetValue(declared.Leaf, out var t))
                    switch (declared.Init) {
                    case "ones": t.fill_(1); break;
                    case "zeros": t.zero_(); break;
                    default: throw new System.InvalidOperationException($"{kind}.{declared.Leaf}: no initial value rule '{declared.Init}'.");
                    }
        return module;
    }
}
