// Shared by the generator and the runtime (see Arithmetic.cs): the element-wise activations defined in one place.
// Adding one is an entry in ActivationKind.All here plus its attribute class (src/PiXGen/Attributes); shape inference,
// module emission, costs, the graph (fused or not), the graph executor and ONNX export all read this entry.
#if PIXGEN_GENERATOR
namespace PiXGen.Generators.Definitions;
#else
namespace PiXGen.Definitions;
#endif
using System.Collections.Generic;
using System;
#if !PIXGEN_GENERATOR
using static TorchSharp.torch;
#endif

/// <summary>A real-valued setting of a defined layer kind.</summary>
/// <param name="Name">The attribute property ("Alpha").</param>
/// <param name="GraphName">The graph attribute ("alpha").</param>
/// <param name="Default">PyTorch's default.</param>
public sealed record RealSetting(string Name, string GraphName, double Default);

/// <summary>
/// An element-wise activation: its attribute and PyTorch name, its settings, the TorchSharp module generated code
/// builds, and (at run time) its function and its ONNX form. Costs: <see cref="ActivationSpec"/> (0 MACs, one
/// paper-convention operation per output element); no parameters, no buffers, no initialisation.
/// </summary>
public abstract class ActivationKind
{
    /// <summary>The attribute name without "Attribute", PyTorch's module name, and the graph op ("ELU").</summary>
    public abstract string Name { get; }

    /// <summary>The real-valued settings, in the order <see cref="Module"/> and the run-time members take them.</summary>
    public virtual IReadOnlyList<RealSetting> Settings => Array.Empty<RealSetting>();

    /// <summary>The TorchSharp module type the field is declared with.</summary>
    public string ModuleType => "global::TorchSharp.Modules." + Name;

    /// <summary>The C# expression generated code builds the module with; <paramref name="values"/>: the settings as C# literals.</summary>
    public abstract string Module(IReadOnlyList<string> values);

#if !PIXGEN_GENERATOR
    /// <summary>The activation applied to <paramref name="x"/> with the settings' <paramref name="values"/> (graph executor).</summary>
    public abstract Tensor Apply(Tensor x, IReadOnlyList<double> values);

    /// <summary>Writes the activation of <paramref name="x"/> as ONNX (opset 17) nodes ending in <paramref name="output"/>.</summary>
    public abstract void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values);

    /// <summary>The settings' values of a graph node: <paramref name="read"/>(graph attribute, default) for each, in order.</summary>
    public IReadOnlyList<double> Values(Func<string, double, double> read)
    {
        var values = new double[Settings.Count];
        for (int i = 0; i < values.Length; i++) values[i] = read(Settings[i].GraphName, Settings[i].Default);
        return values;
    }
#endif

    /// <summary>Every defined activation by name.</summary>
    public static readonly IReadOnlyDictionary<string, ActivationKind> All = new Dictionary<string, ActivationKind>(StringComparer.Ordinal)
    {
        ["ELU"] = new Elu(),
        ["Mish"] = new Mish(),
    };

    /// <summary><c>nn.ELU(alpha)</c>: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    private sealed class Elu : ActivationKind
    {
        public override string Name => "ELU";
        public override IReadOnlyList<RealSetting> Settings { get; } = new[] { new RealSetting("Alpha", "alpha", 1.0) };
        public override string Module(IReadOnlyList<string> values) => $"global::TorchSharp.torch.nn.ELU({values[0]})";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.elu(x, values[0]);
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Elu", output, new[] { x }, ("alpha", values[0]));
#endif
    }

    /// <summary><c>nn.Mish</c>: x · tanh(softplus(x)).</summary>
    private sealed class Mish : ActivationKind
    {
        public override string Name => "Mish";
        public override string Module(IReadOnlyList<string> values) => "global::TorchSharp.torch.nn.Mish()";
#if !PIXGEN_GENERATOR
        public override Tensor Apply(Tensor x, IReadOnlyList<double> values) => nn.functional.mish(x);
        // ONNX's own Mish is opset 18; the exporter writes opset 17.
        public override void Onnx(IOnnxOps onnx, string x, string output, IReadOnlyList<double> values)
            => onnx.Op("Mul", output, new[] { x, onnx.Op("Tanh", onnx.Fresh(output, "tanh"), new[] { onnx.Op("Softplus", onnx.Fresh(output, "softplus"), new[] { x }) }) });
#endif
    }
}

#if !PIXGEN_GENERATOR
/// <summary>What a layer definition may write into an ONNX graph (implemented by PiXGen.Graph.OnnxExporter).</summary>
public interface IOnnxOps
{
    /// <summary>Adds node <paramref name="type"/> from <paramref name="inputs"/> to <paramref name="output"/> with float attributes; returns <paramref name="output"/>.</summary>
    string Op(string type, string output, string[] inputs, params (string Name, double Value)[] attributes);

    /// <summary>A fresh value name derived from <paramref name="output"/>.</summary>
    string Fresh(string output, string suffix);
}
#endif
