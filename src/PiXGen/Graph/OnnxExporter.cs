using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

using PiXGen.Definitions;
namespace PiXGen.Graph;

/// <summary>
/// Exports a <see cref="NetworkGraph"/> and its weights to ONNX (opset 17, IR version 8, float32) with a dynamic batch
/// dimension named "N"; the other input dimensions are the graph's declared input shape. Every op of the contract
/// maps to standard ONNX operators; PiX is written out as its definition: the gate once — the context (ReduceMean, or
/// ReduceL1 for the l1 context) and φ in float64 when PiX decides between pick and mix (the logit ℓ gives both the
/// decision Less(ℓ, logit(τ)) and p = Sigmoid(ℓ)), else in float32 with φ as a 1×1 Conv — then a Reshape of the input
/// into groups of ζ channels (the short last group, when ζ does not divide C, is its own Slice), ReduceMax and
/// ReduceMean over the group axis, Where(pick, max, mean) and Mul by p. Fused graphs (<see cref="GraphFusion"/>) export too: fused activations become nodes after the convolution,
/// a PiX epilogue becomes Mul and Add. The protobuf is built with the ONNX classes of the OnnxSharp package.
/// </summary>
/// <example><code>
/// using var model = new ResNet18();
/// model.eval();
/// model.ExportOnnx("resnet18.onnx");                // or: OnnxExporter.Export(graph, model.state_dict(), path)
/// model.ExportOnnx("resnet18-fused.onnx", fuse: true);
/// </code></example>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the exporter writes.</summary>
    public const int Opset = 17;

    /// <summary>The name of the dynamic batch dimension.</summary>
    public const string BatchDimension = "N";

    /// <summary>The ONNX model of <paramref name="graph"/> with <paramref name="weights"/> as initializers.</summary>
    /// <exception cref="ArgumentException">The graph or the weights are invalid (see <see cref="GraphOps.Validate"/>).</exception>
    /// <exception cref="NotSupportedException">A node has no ONNX form (named, with the reason).</exception>
    public static ModelProto ToModel(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights) => ToModel(graph, weights, nativePiX: false);

    /// <summary>The domain of PiXGen's own ONNX Runtime operators (<c>src/PiXGen/Native/pixgen_ort.cpp</c>).</summary>
    public const string NativeDomain = "ai.pixgen";

    /// <summary>As <see cref="ToModel(NetworkGraph, IReadOnlyDictionary{string, Tensor})"/>; with
    /// <paramref name="nativePiX"/>, each PiX node becomes one <c>ai.pixgen.PiX</c> node, which only ONNX Runtime with
    /// PiXGen's operator library registered runs (<see cref="PiXGen.Engines.OnnxRuntimeEngine"/>).</summary>
    internal static ModelProto ToModel(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, bool nativePiX) =>
        ToModel(graph, weights, nativePiX, MaxWeightBytes);

    /// <summary>The most weight bytes one ONNX file holds: it is one protobuf message, limited to 2 GiB; 16 MiB are left
    /// for the graph itself.</summary>
    internal const long MaxWeightBytes = int.MaxValue - (16L << 20);

    /// <summary>As above, refusing (<see cref="NotSupportedException"/>) weights over <paramref name="maxWeightBytes"/>.</summary>
    internal static ModelProto ToModel(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, bool nativePiX, long maxWeightBytes)
    {
        if (weights is null) throw new ArgumentNullException(nameof(weights));
        GraphOps.Validate(graph);
        GraphOps.ValidateWeights(graph, key => weights.TryGetValue(key, out var t) ? t : null);
        var e = new Emitter(graph, weights, nativePiX, maxWeightBytes);
        foreach (var node in graph.Nodes) e.Emit(node);
        var model = new ModelProto {
            IrVersion = 8,
            ProducerName = "PiXGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{graph.Network}: exported from its PiXGen NetworkGraph.",
            Graph = e.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (e.UsesNativeDomain) model.OpsetImport.Add(new OperatorSetIdProto { Domain = NativeDomain, Version = 1 });
        return model;
    }

    /// <summary>The serialized ONNX model.</summary>
    public static byte[] ToBytes(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights) => ToModel(graph, weights).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="path"/>.</summary>
    public static void Export(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, string path)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        string full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{path}: cannot write the ONNX model, the folder {folder} does not exist; create it first.");
        var bytes = ToBytes(graph, weights);
        AtomicFile.WriteAllBytes(path, bytes);   // a failed write leaves an existing file as it was
    }

    /// <summary>Writes a generated network (its <see cref="IHasGraph.Graph"/> and state_dict) to ONNX, fused for inference
    /// first when <paramref name="fuse"/> is set.</summary>
    public static void ExportOnnx(this IHasGraph module, string path, bool fuse = false)
    {
        if (module is not nn.Module m)
            throw new ArgumentException($"{module?.GetType().Name ?? "null"} implements IHasGraph but is not a TorchSharp module, so it has no weights to export.", nameof(module));
        using var scope = NewDisposeScope();
        if (!fuse) {
            Export(module.Graph, m.state_dict(), path);
            return;
        }
        var fused = GraphFusion.Fuse(module.Graph, m.state_dict());
        Export(fused.Graph, fused.Weights, path);
    }

    /// <summary>The message for a module without a compiler graph (a hand-written <c>forward</c>): how to export it anyway.</summary>
    internal const string NoGraph =
        "this module has no compiler graph: only [Network]-generated classes implement IHasGraph. For a module with a hand-written forward, " +
        "describe it with NetworkGraphBuilder and call OnnxExporter.Export(graph, model.state_dict(), path) or new FusedNetwork(graph, model.state_dict()) (docs/interop.md).";

    /// <summary>Not callable: a module without <see cref="IHasGraph"/> gets <see cref="NoGraph"/> as a compile error
    /// (CS0619) instead of CS1929. It takes <c>object</c> so that the <see cref="IHasGraph"/> overload is the better
    /// match for every generated network.</summary>
    [Obsolete("ExportOnnx: " + NoGraph, error: true)]
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static void ExportOnnx(this object module, string path, bool fuse = false) =>
        throw new NotSupportedException("ExportOnnx: " + NoGraph);

    // ONNX TensorProto data types.
    private const int Float = 1, Int64 = 7, Double = 11;

    private sealed class Emitter : IOnnxOps
    {
        private readonly NetworkGraph graph;
        private readonly IReadOnlyDictionary<string, Tensor> weights;
        private readonly HashSet<string> names = new(StringComparer.Ordinal);
        private readonly HashSet<string> initializers = new(StringComparer.Ordinal);

        private readonly bool nativePiX;

        public GraphProto Graph { get; }

        /// <summary>Whether a node of <see cref="NativeDomain"/> was written.</summary>
        public bool UsesNativeDomain { get; private set; }

        private readonly long maxWeightBytes;
        private long weightBytes;

        public Emitter(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, bool nativePiX, long maxWeightBytes)
        {
            this.maxWeightBytes = maxWeightBytes;
            this.graph = graph;
            this.weights = weights;
            this.nativePiX = nativePiX;
            Graph = new GraphProto { Name = graph.Network };
            Graph.Input.Add(ValueInfo(NetworkGraph.InputName, graph.InputShape));
            Graph.Output.Add(ValueInfo(graph.Output, GraphOps.ShapeOf(graph, graph.Output)));
            names.Add(NetworkGraph.InputName);
            foreach (var n in graph.Nodes) names.Add(n.Output);
        }

        private static ValueInfoProto ValueInfo(string name, long[] sampleShape)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
            foreach (var d in sampleShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Float, Shape = shape } } };
        }

        // ------------------------------------------------------------ building blocks

        private string Fresh(string baseName, string tag)
        {
            string name = baseName + "/" + tag;
            for (int i = 1; !names.Add(name); i++) name = baseName + "/" + tag + i;
            return name;
        }

        private string Op(string op, string output, IEnumerable<string> inputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = output };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            Graph.Node.Add(node);
            return output;
        }

        private static AttributeProto Ints(string name, params long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

        string IOnnxOps.Op(string type, string output, string[] inputs, params (string Name, object Value)[] attributes)
            => Op(type, output, inputs, attributes.Select(a => a.Value switch {
                double d => Real(a.Name, d),
                long l => Int(a.Name, l),
                long[] ls => Ints(a.Name, ls),
                string s => Text(a.Name, s),
                _ => throw new ArgumentException($"ONNX attribute '{a.Name}': a {a.Value?.GetType().Name ?? "null"} has no ONNX form."),
            }).ToArray());

        string IOnnxOps.Fresh(string output, string suffix) => Fresh(output == preActivation ? current!.Output : output, suffix);

        // The pre-activation value a defined kind with a fused activation is writing, or null.
        private string? preActivation;

        string IOnnxOps.Scalar(double value) => Scalar((float)value);

        string IOnnxOps.Int64s(string name, params long[] values) => Int64s(name, values);

        // The node whose defined kind is being written (its module's parameters for IOnnxOps.Tensor).
        private GraphNode? current;

        string IOnnxOps.Tensor(string leaf, long[] dims, string suffix)
        {
            var key = KindTensor.Key(current?.Module, leaf);
            return Weight(key, dims, key + "/" + suffix);
        }

        string IOnnxOps.Tensor(string leaf) => Weight(KindTensor.Key(current?.Module, leaf));

        string IOnnxOps.TensorOr(string leaf, long count, double absent)
        {
            var key = KindTensor.Key(current?.Module, leaf);
            return weights.ContainsKey(key) ? Weight(key) : Filled(key, count, (float)absent);
        }

        long[] IOnnxOps.ShapeOf(string value) => ShapeOf(value);

        Exception IOnnxOps.Unsupported(string why) => Unsupported(current!, why);

        private static AttributeProto Real(string name, double value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

        private static AttributeProto Text(string name, string value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

        private string Initializer(string name, long[] dims, float[] data) => Raw(name, dims, Float, MemoryMarshal.AsBytes(data.AsSpan()));

        private string Doubles(string name, long[] dims, double[] data) => Raw(name, dims, Double, MemoryMarshal.AsBytes(data.AsSpan()));

        /// <summary>An initializer of <paramref name="dataType"/> from its little-endian bytes (shared by name).</summary>
        private string Raw(string name, long[] dims, int dataType, ReadOnlySpan<byte> bytes)
        {
            if (!initializers.Add(name)) return name;
            weightBytes += bytes.Length;
            if (weightBytes > maxWeightBytes)
                throw new NotSupportedException(
                    $"ONNX export: {graph.Network}'s weights need more than {maxWeightBytes:N0} bytes (reached at '{name}'), the most one ONNX file holds (protobuf's 2 GB limit of a message). Export a smaller network or a narrower variant.");
            names.Add(name);
            var t = new TensorProto { Name = name, DataType = dataType };
            t.Dims.AddRange(dims);
            t.RawData = ByteString.CopyFrom(bytes);
            Graph.Initializer.Add(t);
            return name;
        }

        /// <summary>The weight <paramref name="key"/> widened to float64, reshaped to <paramref name="dims"/> and, when
        /// <paramref name="transpose"/>, the (rows, cols) matrix transposed.</summary>
        private string WeightAsDouble(string key, string name, long[] dims, bool transpose = false)
        {
            using var t = weights[key].detach().to(float64).cpu().reshape(dims);
            using var d = (transpose ? t.t() : t).contiguous();
            return Doubles(name, d.shape, d.data<double>().ToArray());
        }

        private string Int64s(string name, params long[] data)
        {
            if (!initializers.Add(name)) return name;
            names.Add(name);
            var t = new TensorProto { Name = name, DataType = Int64 };
            t.Dims.Add(data.Length);
            t.Int64Data.AddRange(data);
            Graph.Initializer.Add(t);
            return name;
        }

        /// <summary>A float32 scalar constant (shared).</summary>
        private string Scalar(float value) =>
            Initializer("const/" + value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), Array.Empty<long>(), new[] { value });

        private static float[] Data(Tensor t)
        {
            using var f = t.detach().to(float32).cpu().contiguous();
            return f.data<float>().ToArray();
        }

        /// <summary>The weight <paramref name="key"/> as an initializer, reshaped to <paramref name="dims"/> when given.</summary>
        private string Weight(string key, long[]? dims = null, string? name = null) =>
            Initializer(name ?? key, dims ?? weights[key].shape, Data(weights[key]));

        private string Filled(string name, long count, float value) =>
            Initializer(name, new[] { count }, Enumerable.Repeat(value, checked((int)count)).ToArray());

        private long[] ShapeOf(string value) => GraphOps.ShapeOf(graph, value);

        private static NotSupportedException Unsupported(GraphNode n, string why) =>
            new($"ONNX export: node '{n.Output}' ({n.Op}{(n.Module is null ? "" : ", module '" + n.Module + "'")}) {why}");

        // ------------------------------------------------------------ ops

        public void Emit(GraphNode n)
        {
            var x = n.Inputs[0];
            string act = n.Get("activation") is null ? n.Output : Fresh(n.Output, "pre_activation");
            switch (n.Op) {
            case "Add": {
                    var sum = x;
                    for (int j = 1; j < n.Inputs.Length; j++)
                        sum = Op("Add", j == n.Inputs.Length - 1 ? n.Output : Fresh(n.Output, "partial" + j), new[] { sum, n.Inputs[j] });
                    return;
                }
            case "Mul":
                Op("Mul", n.Output, n.Inputs);
                return;
            case "Concat":
                Op("Concat", n.Output, n.Inputs, Int("axis", 1));
                return;
            case "ChannelSlice": {
                    long start = n.GetInt("start"), count = n.GetInt("count");
                    Op("Slice", n.Output, new[] { x, Int64s(Fresh(n.Output, "starts"), start), Int64s(Fresh(n.Output, "ends"), start + count), Int64s(Fresh(n.Output, "axes"), 1) });
                    return;
                }
            default:
                // PiX as standard nodes or the native ai.pixgen.PiX op, with its fused epilogue: more than its definition's Onnx says.
                if (DefinedKind.PiX.Is(n.Op)) {
                    if (nativePiX) {
                        bool relu = n.Get("activation") == "ReLU";
                        NativePiX(n, x, relu ? n.Output : act, relu);
                        if (!relu) FusedActivation(n, act);
                        return;
                    }
                    PiX(n, x, act);
                    FusedActivation(n, act);
                    return;
                }
                if (GraphOps.Activations.Contains(n.Op) || DefinedKind.All.ContainsKey(n.Op)) {
                    // A defined kind's node may carry a fused activation (fusion gives one to the kinds it folds into): the kind writes the
                    // pre-activation value, and the names it derives from it stay the node's own.
                    preActivation = act == n.Output ? null : act;
                    Activation(n.Op, x, act, n, "");
                    preActivation = null;
                    FusedActivation(n, act);
                    return;
                }
                throw Unsupported(n, "is not an op of the contract.");
            }
        }

        private void FusedActivation(GraphNode n, string preActivation)
        {
            if (n.Get("activation") is { } op) Activation(op, preActivation, n.Output, n, GraphOps.ActivationPrefix);
        }

        private void Activation(string op, string x, string output, GraphNode n, string prefix)
        {
            switch (op) {
            default:
                if (!DefinedKind.All.TryGetValue(op, out var kind)) throw Unsupported(n, $"uses the activation '{op}', which has no ONNX form here.");
                current = n;
                kind.Onnx(this, x, output, GraphOps.Settings(kind, n, prefix));
                break;
            }
        }

        /// <summary>
        /// PiX's gate, computed once: the logit ℓ = W·z + b in float64 — Cast to double, the context (ReduceMean or
        /// ReduceL1) in double, MatMul with Wᵀ and Add b in double — shaped (N, Co, 1, 1). PiXLayer's pick/mix decision
        /// (one rule, <c>PiXLayer.Gate</c>) is Less(ℓ, logit(τ)); p = Sigmoid(ℓ rounded to float32). One pass over x
        /// serves both (measured in docs/benchmarks/engines.md: a second, float32 context and a φ Conv for p cost ONNX
        /// Runtime more than they save).
        /// </summary>
        private (string Logit, string P) Gate64(GraphNode n, string x, long c, long co)
        {
            string m = n.Module!;
            var wide = Op("Cast", Fresh(m, "x_double"), new[] { x }, Int("to", Double));
            var context = Op(n.GetInt("context") == (long)PiXGen.PiX.PiXContext.L1 ? "ReduceL1" : "ReduceMean", Fresh(m, "context_double"),
                             new[] { wide }, Ints("axes", 2, 3), Int("keepdims", 0));
            var logit = Op("MatMul", Fresh(m, "phi_double"), new[] { context, WeightAsDouble(m + ".weight", m + ".weight/double_t", new[] { co, c }, transpose: true) });
            if (n.GetBool("bias"))
                logit = Op("Add", Fresh(m, "phi_double_bias"), new[] { logit, WeightAsDouble(m + ".bias", m + ".bias/double", new[] { co }) });
            var shaped = Op("Reshape", Fresh(m, "phi_double_nc11"), new[] { logit, Int64s(Fresh(m, "nc11"), 0, co, 1, 1) });
            var p = Op("Sigmoid", Fresh(m, "p"), new[] { Op("Cast", Fresh(m, "phi"), new[] { shaped }, Int("to", Float)) });
            return (shaped, p);
        }

        /// <summary>logit(τ) of a PiX node: the float64 threshold its decision compares the gate's logit with.</summary>
        private static double TauLogit(GraphNode n) => PiXGen.PiX.PiXLayer.Logit(n.GetDouble("tau", 0.5));

        /// <summary>The decision Less(ℓ, logit(τ)) on the float64 logit of <see cref="Gate64"/>.</summary>
        private string Picks(GraphNode n, string logit)
        {
            double threshold = TauLogit(n);
            var tau = Doubles("const/logit:" + threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture), Array.Empty<long>(), new[] { threshold });
            return Op("Less", Fresh(n.Module!, "pick"), new[] { logit, tau });
        }

        /// <summary>p = sigmoid(φ(context)) in float32, for the modes without a decision.</summary>
        private string Gate32(GraphNode n, string x)
        {
            string m = n.Module!;
            var context = n.GetInt("context") == (long)PiXGen.PiX.PiXContext.L1
                ? Op("ReduceL1", Fresh(m, "context"), new[] { x }, Ints("axes", 2, 3), Int("keepdims", 1))
                : Op("ReduceMean", Fresh(m, "context"), new[] { x }, Ints("axes", 2, 3), Int("keepdims", 1));
            var phi = new List<string> { context, Weight(m + ".weight") };
            if (n.GetBool("bias")) phi.Add(Weight(m + ".bias"));
            var logits = Op("Conv", Fresh(m, "phi"), phi, Ints("kernel_shape", 1, 1));
            return Op("Sigmoid", Fresh(m, "p"), new[] { logits });
        }

        /// <summary>PiX as one <c>ai.pixgen.PiX</c> node: the same definition as <see cref="PiX"/> in one operator
        /// (src/PiXGen/Native/pixgen_ort.cpp), with the epilogue and, when <paramref name="relu"/>, the ReLU in it.
        /// Absent bias, scale and shift are passed as 0, 1 and 0.</summary>
        private void NativePiX(GraphNode n, string x, string output, bool relu)
        {
            string m = n.Module!;
            long c = n.GetInt("in"), co = n.GetInt("out");
            bool epilogue = n.GetBool("epilogue");
            var mode = (PiXGen.PiX.PiXMode)n.GetInt("mode");
            var inputs = new[] {
                x,
                Weight(m + ".weight", new[] { co, c }, m + ".weight/co_c"),
                n.GetBool("bias") ? Weight(m + ".bias") : Filled(Fresh(m, "no_bias"), co, 0f),
                epilogue ? Weight(m + "." + GraphFusion.EpilogueScale, new[] { co }, m + "." + GraphFusion.EpilogueScale + "/co") : Filled(Fresh(m, "unit_scale"), co, 1f),
                epilogue ? Weight(m + "." + GraphFusion.EpilogueShift, new[] { co }, m + "." + GraphFusion.EpilogueShift + "/co") : Filled(Fresh(m, "no_shift"), co, 0f),
            };
            double threshold = TauLogit(n);
            var node = new NodeProto { OpType = "PiX", Domain = NativeDomain, Name = output };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(new[] {
                Int("zeta", n.GetInt("zeta")),
                Int("mode", mode switch { PiXGen.PiX.PiXMode.AvgOnly => 1, PiXGen.PiX.PiXMode.MaxOnly => 2, _ => 0 }),
                Int("context", n.GetInt("context") == (long)PiXGen.PiX.PiXContext.L1 ? 1 : 0),
                Int("epilogue", epilogue ? 1 : 0),
                Int("relu", relu ? 1 : 0),
                Text("tau_logit", threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            });
            Graph.Node.Add(node);
            // The operator's output shape, stated: without it ONNX Runtime knows no shapes after the node and cannot fuse
            // the convolutions that follow with their residual Add and ReLU (measured: 9 % of PiX-ResNet-50's time).
            Graph.ValueInfo.Add(ValueInfo(output, ShapeOf(n.Output)));
            UsesNativeDomain = true;
        }

        /// <summary>PiX as in <c>PiXLayer</c> and <c>PiXComposite</c>: p = sigmoid(φ(context)); per group of ζ channels
        /// (the short last group on its own), Where(pick, max, mean)·p with PiXLayer's float64 decision
        /// (<see cref="Gate64"/>, <see cref="Picks"/>); then a fused epilogue if present.</summary>
        private void PiX(GraphNode n, string x, string output)
        {
            long c = n.GetInt("in"), co = n.GetInt("out");
            long zeta = n.GetInt("zeta");
            var mode = (PiXGen.PiX.PiXMode)n.GetInt("mode");
            var i = ShapeOf(x);
            long h = i[1], w = i[2];
            string m = n.Module!;

            bool decides = zeta > 1 && mode == PiXGen.PiX.PiXMode.PickOrMix;
            var (logit, p) = decides ? Gate64(n, x, c, co) : ("", Gate32(n, x));

            bool epilogue = n.GetBool("epilogue");
            string gated = epilogue ? Fresh(m, "pix") : output;
            if (zeta == 1) {
                Op("Mul", gated, new[] { x, p });     // every group is one channel: max = mean = x
            } else {
                var maxParts = new List<string>();
                var meanParts = new List<string>();
                long full = c / zeta, rest = c - full * zeta;
                if (full > 0) {
                    var part = rest == 0 ? x : Op("Slice", Fresh(m, "full_groups"), new[] { x, Int64s("const/i64:0", 0), Int64s(Fresh(m, "full_end"), full * zeta), Int64s("const/i64:1", 1) });
                    var grouped = Op("Reshape", Fresh(m, "grouped"), new[] { part, Int64s(Fresh(m, "grouped_shape"), 0, full, zeta, h, w) });
                    if (mode != PiXGen.PiX.PiXMode.AvgOnly) maxParts.Add(Op("ReduceMax", Fresh(m, "group_max"), new[] { grouped }, Ints("axes", 2), Int("keepdims", 0)));
                    if (mode != PiXGen.PiX.PiXMode.MaxOnly) meanParts.Add(Op("ReduceMean", Fresh(m, "group_mean"), new[] { grouped }, Ints("axes", 2), Int("keepdims", 0)));
                }
                if (rest > 0) {
                    var last = Op("Slice", Fresh(m, "last_group"), new[] { x, Int64s(Fresh(m, "last_start"), full * zeta), Int64s(Fresh(m, "last_end"), c), Int64s("const/i64:1", 1) });
                    if (mode != PiXGen.PiX.PiXMode.AvgOnly) maxParts.Add(Op("ReduceMax", Fresh(m, "last_max"), new[] { last }, Ints("axes", 1), Int("keepdims", 1)));
                    if (mode != PiXGen.PiX.PiXMode.MaxOnly) meanParts.Add(Op("ReduceMean", Fresh(m, "last_mean"), new[] { last }, Ints("axes", 1), Int("keepdims", 1)));
                }
                string Join(List<string> parts, string tag) => parts.Count == 1 ? parts[0] : Op("Concat", Fresh(m, tag), parts, Int("axis", 1));
                string selected = mode switch {
                    PiXGen.PiX.PiXMode.AvgOnly => Join(meanParts, "mean"),
                    PiXGen.PiX.PiXMode.MaxOnly => Join(maxParts, "max"),
                    _ => Op("Where", Fresh(m, "selected"), new[] { Picks(n, logit), Join(maxParts, "max"), Join(meanParts, "mean") }),
                };
                Op("Mul", gated, new[] { selected, p });
            }
            if (epilogue) {
                var scaled = Op("Mul", Fresh(m, "epilogue_scaled"), new[] { gated, Weight(m + "." + GraphFusion.EpilogueScale, new[] { co, 1L, 1L }) });
                Op("Add", output, new[] { scaled, Weight(m + "." + GraphFusion.EpilogueShift, new[] { co, 1L, 1L }) });
            }
        }
    }
}
