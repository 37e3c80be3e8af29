using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Definitions;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Graph;

/// <summary>The result of <see cref="GraphFusion.Fuse(NetworkGraph, IReadOnlyDictionary{string, Tensor})"/>: the fused graph, its weights (new tensors, owned by the
/// caller) and one line per fusion performed.</summary>
public sealed record FusionResult(NetworkGraph Graph, IReadOnlyDictionary<string, Tensor> Weights, IReadOnlyList<string> Steps);

/// <summary>
/// Inference fusion, as a graph pass plus a weight transform (eval semantics only):
/// <list type="bullet">
/// <item>Eval identities (<c>Identity</c>, <c>Dropout</c>, <c>StochasticDepth</c>) are removed.</item>
/// <item>A <c>BatchNorm2d</c> whose input is produced by a <c>Conv2d</c>, <c>ConvTranspose2d</c> or <c>Linear</c> read by
/// nothing else is folded into that node's weight and bias (computed in float64): W' = W·s, b' = (b − μ)·s + β with
/// s = γ/√(σ² + ε) per output channel.</item>
/// <item>A <c>BatchNorm2d</c> after a <c>PiX</c> read by nothing else becomes the PiX node's epilogue: the attribute
/// <c>epilogue</c> = true and the per-channel <c>Module.epilogue_scale</c> (s) and <c>Module.epilogue_shift</c> (β − μ·s),
/// run by <see cref="PiXGen.PiX.PiXEpilogue"/> in the same pass over the output.</item>
/// <item>An activation whose input is produced by one of those nodes (after folding, or directly after a
/// convolution or linear layer) and read by nothing else becomes the node's <c>activation</c> attribute.</item>
/// </list>
/// Values keep their names: the fused node produces the value of the last node it absorbed, so every reader and the
/// graph output stay as they were.
/// </summary>
public static class GraphFusion
{
    /// <summary>The weight leaf of a fused PiX epilogue's per-channel factor.</summary>
    public const string EpilogueScale = "epilogue_scale";

    /// <summary>The weight leaf of a fused PiX epilogue's per-channel offset.</summary>
    public const string EpilogueShift = "epilogue_shift";

    /// <summary>The ops a BatchNorm2d folds into and an activation fuses with: the convolutions (the defined Conv2d and ConvTranspose2d), the defined Linear, the defined PiX.</summary>
    private static bool Foldable(string op) => DefinedKind.PiX.Is(op) || DefinedKind.Conv2d.Is(op) || DefinedKind.Linear.Is(op) || DefinedKind.ConvTranspose2d.Is(op);

    /// <summary>Fuses <paramref name="graph"/> for inference on <paramref name="weights"/> (not modified).</summary>
    /// <exception cref="ArgumentException">The graph or the weights are invalid (see <see cref="GraphOps.Validate"/>).</exception>
    public static FusionResult Fuse(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights)
    {
        if (weights is null) throw new ArgumentNullException(nameof(weights));
        GraphOps.Validate(graph);
        Func<string, Tensor?> lookup = key => weights.TryGetValue(key, out var t) ? t : null;
        GraphOps.ValidateWeights(graph, lookup);

        using var noGrad = no_grad();
        var nodes = graph.Nodes.ToList();
        var steps = new List<string>();
        var replaced = new Dictionary<string, Tensor>(StringComparer.Ordinal);   // new tensors, by key
        Tensor? Current(string key) => replaced.TryGetValue(key, out var t) ? t : lookup(key);

        // 1. Eval identities: readers read the identity's input instead (unless the identity makes the output).
        for (int i = 0; i < nodes.Count; i++) {
            var n = nodes[i];
            if (!GraphOps.EvalIdentities.Contains(n.Op) || n.Output == graph.Output) continue;
            string source = n.Inputs[0];
            nodes.RemoveAt(i--);
            for (int j = 0; j < nodes.Count; j++)
                if (nodes[j].Inputs.Contains(n.Output))
                    nodes[j] = nodes[j] with { Inputs = nodes[j].Inputs.Select(v => v == n.Output ? source : v).ToArray() };
            steps.Add($"{n.Output}: {n.Op} removed (identity in eval)");
        }

        // 2. BatchNorm folding and activation fusion.
        for (int i = 0; i < nodes.Count; i++) {
            var n = nodes[i];
            if (!Foldable(n.Op) || n.Get("activation") is not null) continue;
            var absorbed = new List<string> { Describe(n) };
            if (SoleReader(nodes, graph, n.Output) is { } bn && DefinedKind.BatchNorm2d.Is(bn.Op) && n.Get("epilogue") is null) {
                var (s, t) = BatchNormAffine(bn, Current);
                if (DefinedKind.PiX.Is(n.Op)) {
                    replaced[n.Module + "." + EpilogueScale] = s.to(Current(n.Module + ".weight")!.dtype);
                    replaced[n.Module + "." + EpilogueShift] = t.to(Current(n.Module + ".weight")!.dtype);
                    n = n with { Output = bn.Output, Shape = bn.Shape, Attributes = With(n.Attributes, ("epilogue", "true")) };
                    s.Dispose(); t.Dispose();
                } else {
                    FoldInto(n, s, t, Current, replaced);
                    n = n with { Output = bn.Output, Shape = bn.Shape, Attributes = With(n.Attributes, ("bias", "true")) };
                }
                nodes.Remove(bn);
                absorbed.Add(Describe(bn));
            }
            bool canTakeActivation = !DefinedKind.PiX.Is(n.Op) || n.Get("epilogue") is not null;
            if (canTakeActivation && SoleReader(nodes, graph, n.Output) is { } act && GraphOps.Activations.Contains(act.Op)) {
                var attrs = new List<(string, string)> { ("activation", act.Op) };
                attrs.AddRange(act.Attributes.Select(a => (GraphOps.ActivationPrefix + a.Name, a.Value)));
                n = n with { Output = act.Output, Shape = act.Shape, Attributes = With(n.Attributes, attrs.ToArray()) };
                nodes.Remove(act);
                absorbed.Add(Describe(act));
            }
            if (absorbed.Count > 1) {
                nodes[i] = n;
                steps.Add($"{string.Join(" + ", absorbed)} → {n.Op}{(n.Get("epilogue") is null ? "" : " with epilogue")}{(n.Get("activation") is { } a ? " + " + a : "")}");
            }
        }

        // 3. A plain 1×1 convolution over a 1×1 map that only a Flatten reads is a matrix product: Flatten, then Linear with
        //    the weight as (out, in). ONNX Runtime runs that Gemm in half the time of its blocked Conv (PiX-ResNet-50's
        //    classifier, 0.33 against 0.67 ms at batch 8: docs/benchmarks/engines.md).
        for (int i = 0; i < nodes.Count; i++) {
            var n = nodes[i];
            if (!IsMatrixProduct(n, graph)) continue;
            if (SoleReader(nodes, graph, n.Output) is not { } flat || !DefinedKind.Flattening(flat.Op)) continue;
            long c = GraphOps.ShapeOf(graph, n.Inputs[0])[0], co = n.GetInt("out");
            string flatValue = n.Output + "/flattened";
            for (int k = 2; nodes.Any(m => m.Output == flatValue) || flatValue == NetworkGraph.InputName; k++) flatValue = n.Output + "/flattened" + k;
            var weight = Current(n.Module + ".weight")!;
            var matrix = weight.detach().reshape(co, c).clone();
            if (replaced.Remove(n.Module + ".weight", out var old)) old.Dispose();
            replaced[n.Module + ".weight"] = matrix;
            nodes[i] = flat with { Output = flatValue, Inputs = new[] { n.Inputs[0] }, Shape = new[] { c } };
            nodes[nodes.IndexOf(flat)] = new GraphNode(flat.Output, DefinedKind.Linear.Name, new[] { flatValue }, n.Module,
                new[] { new GraphAttribute("in", c.ToString(CultureInfo.InvariantCulture)), new GraphAttribute("out", co.ToString(CultureInfo.InvariantCulture)),
                        new GraphAttribute("bias", n.GetBool("bias") ? "true" : "false") }, new[] { co });
            steps.Add($"{Describe(n)} (1×1 over a 1×1 map) + {Describe(flat)} → Flatten + Linear");
        }

        var fused = graph with { Nodes = nodes };
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var spec in fused.Nodes.SelectMany(GraphOps.Weights))
            if (!result.ContainsKey(spec.Key) && Current(spec.Key) is { } t)
                result[spec.Key] = replaced.Remove(spec.Key, out var own) ? own : t.detach().clone();
        foreach (var leftover in replaced.Values) leftover.Dispose();
        return new FusionResult(fused, result, steps);
    }

    /// <summary>Not callable: a module without <see cref="IHasGraph"/> gets how to fuse it anyway as a compile error
    /// (CS0619) instead of CS1929. It takes <c>object</c> so that the <see cref="IHasGraph"/> overload is the better
    /// match for every generated network.</summary>
    [Obsolete("Fuse: " + OnnxExporter.NoGraph, error: true)]
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static FusedNetwork Fuse(this object module) => throw new NotSupportedException("Fuse: " + OnnxExporter.NoGraph);

    private static string Describe(GraphNode n) => n.Module ?? n.Output + " (" + n.Op + ")";

    /// <summary>Whether <paramref name="n"/> is a convolution that computes one matrix product per sample: a Conv2d with a 1×1
    /// kernel, stride 1, no padding or dilation, one group and no fused epilogue or activation, over a C×1×1 map.</summary>
    private static bool IsMatrixProduct(GraphNode n, NetworkGraph graph)
    {
        if (!DefinedKind.Conv2d.Is(n.Op) || n.Get("activation") is not null || n.Get("epilogue") is not null || n.Module is null) return false;
        static bool Is(long[] pair, long value) => pair[0] == value && pair[1] == value;
        if (!Is(n.GetPair("kernel"), 1) || !Is(n.GetPair("stride", 1), 1) || !Is(n.GetPair("padding"), 0) || !Is(n.GetPair("dilation", 1), 1) || n.GetInt("groups", 1) != 1)
            return false;
        var x = GraphOps.ShapeOf(graph, n.Inputs[0]);
        return x.Length == 3 && x[1] == 1 && x[2] == 1;
    }

    /// <summary>The only node reading <paramref name="value"/>, or null when there are several, none, or the value is
    /// the graph output.</summary>
    private static GraphNode? SoleReader(List<GraphNode> nodes, NetworkGraph graph, string value)
    {
        if (value == graph.Output) return null;
        GraphNode? found = null;
        foreach (var n in nodes)
            foreach (var i in n.Inputs)
                if (i == value) {
                    if (found is not null) return null;
                    found = n;
                }
        return found;
    }

    /// <summary>BatchNorm in eval as y = x·s + t, per channel, in float64.</summary>
    private static (Tensor s, Tensor t) BatchNormAffine(GraphNode bn, Func<string, Tensor?> w)
    {
        using var scope = NewDisposeScope();
        string m = bn.Module!;
        var mean = w(m + ".running_mean")!.to(float64);
        var variance = w(m + ".running_var")!.to(float64);
        var gamma = w(m + ".weight")?.to(float64) ?? ones_like(mean);
        var beta = w(m + ".bias")?.to(float64) ?? zeros_like(mean);
        var s = gamma / (variance + bn.GetDouble("eps", 1e-5)).sqrt();
        var t = beta - mean * s;
        return (s.MoveToOuterDisposeScope(), t.MoveToOuterDisposeScope());
    }

    /// <summary>W' = W·s along the output channels, b' = b·s + t, into <paramref name="replaced"/>.</summary>
    private static void FoldInto(GraphNode n, Tensor s, Tensor t, Func<string, Tensor?> w, Dictionary<string, Tensor> replaced)
    {
        using var scope = NewDisposeScope();
        string m = n.Module!;
        var weight = w(m + ".weight")!;
        var w64 = weight.to(float64);
        Tensor folded;
        switch (n.Op) {
        case var linear when DefinedKind.Linear.Is(linear):
            folded = w64 * s.view(-1, 1);
            break;
        case var transposed when DefinedKind.ConvTranspose2d.Is(transposed): {
                // (in, out/groups, kh, kw): the output channel o = g·(out/groups) + j lives on dim 1 within group g.
                long groups = n.GetInt("groups", 1), outC = n.GetInt("out");
                var shape = w64.shape;
                folded = (w64.view(groups, shape[0] / groups, outC / groups, shape[2], shape[3]) * s.view(groups, 1, outC / groups, 1, 1)).view(shape);
                break;
            }
        default:   // the defined Conv2d: (out, in/groups, kh, kw)
            folded = w64 * s.view(-1, 1, 1, 1);
            break;
        }
        var bias = n.GetBool("bias") ? w(m + ".bias")!.to(float64) : zeros_like(s);
        var newBias = bias * s + t;
        replaced[m + ".weight"] = folded.to(weight.dtype).MoveToOuterDisposeScope();
        replaced[m + ".bias"] = newBias.to(weight.dtype).MoveToOuterDisposeScope();
        s.Dispose(); t.Dispose();
    }

    private static GraphAttribute[] With(GraphAttribute[] attributes, params (string name, string value)[] set)
    {
        var list = attributes.Where(a => !set.Any(s => s.name == a.Name)).ToList();
        list.AddRange(set.Select(s => new GraphAttribute(s.name, s.value)));
        return list.ToArray();
    }

    /// <summary>
    /// The fused inference network of a generated module: its <see cref="IHasGraph.Graph"/> and state_dict fused by
    /// <see cref="Fuse(NetworkGraph, IReadOnlyDictionary{string, Tensor})"/>. The module itself is not changed.
    /// The fused network is a snapshot: it holds new tensors computed from the module's weights and BatchNorm statistics
    /// at this call, so training the module afterwards does not change it (fuse again).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="module"/> is not a TorchSharp module.</exception>
    /// <exception cref="InvalidOperationException">The module is in training mode (call <c>eval()</c> first): fusing a
    /// model that is still being trained would silently freeze a copy of weights that go on changing.</exception>
    public static FusedNetwork Fuse(this IHasGraph module)
    {
        if (module is not nn.Module m)
            throw new ArgumentException($"{module?.GetType().Name ?? "null"} implements IHasGraph but is not a TorchSharp module, so it has no weights to fuse.", nameof(module));
        if (m.training)
            throw new InvalidOperationException(
                $"{m.GetType().Name}.Fuse(): the model is in training mode. Fuse() takes a snapshot of the weights and BatchNorm statistics " +
                "for inference, which further training would not update; call model.eval() first (and fuse again after training more).");
        return new FusedNetwork(module.Graph, m.state_dict());
    }
}

/// <summary>The engine a <see cref="FusedNetwork"/> runs on.</summary>
public enum FusedEngine
{
    /// <summary>ONNX Runtime (in process) for CPU float32 inputs of the graph's input shape without autograd, where it
    /// loads; TorchSharp otherwise (<see cref="FusedNetwork.FallbackReason"/> says why).
    /// The default: the faster engine on the CPU, measured side by side (docs/benchmarks/engines.md).</summary>
    Auto,

    /// <summary>Always the fused graph on TorchSharp (<see cref="GraphExecutor"/>): any device and dtype.</summary>
    TorchSharp,

    /// <summary>Always ONNX Runtime: forward throws for inputs it cannot take (not CPU float32).</summary>
    OnnxRuntime,
}

/// <summary>
/// An inference-only network built from a graph and its weights by <see cref="GraphFusion"/>: BatchNorm folded into
/// convolutions and PiX, activations fused, eval identities removed. On the CPU in float32 it runs on ONNX Runtime in
/// process (<see cref="PiXGen.Engines.OnnxRuntimeEngine"/>, the fused graph exported to ONNX in memory), elsewhere on a
/// <see cref="GraphExecutor"/>; <see cref="Engine"/> chooses, <see cref="Threads"/> sets ONNX Runtime's threads. The
/// fused weights are buffers (state_dict names as in the graph), so <c>to(device)</c> and <c>to(dtype)</c> move them.
/// Created in eval mode; in training mode its forward throws (the BatchNorm statistics are frozen into the weights).
/// </summary>
public sealed class FusedNetwork : nn.Module<Tensor, Tensor>
{
    private readonly GraphExecutor executor;
    private Dictionary<string, Tensor> current;
    private PiXGen.Engines.OnnxRuntimeEngine? onnx;
    private IntPtr[] onnxWeights = Array.Empty<IntPtr>();   // the buffer handles the session was built (or failed) from
    private string? loadFailure;
    private FusedEngine engine;
    private int threads;

    /// <summary>Fuses <paramref name="graph"/> on <paramref name="weights"/> (copied; the originals are not kept).</summary>
    public FusedNetwork(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights) : base((graph ?? throw new ArgumentNullException(nameof(graph))).Network + "_fused")
    {
        var fusion = GraphFusion.Fuse(graph, weights);
        Graph = fusion.Graph;
        Steps = fusion.Steps;
        // The module owns its buffers: a dispose scope around the constructor must not free them.
        foreach (var (key, tensor) in fusion.Weights) register_buffer(key, tensor.DetachFromDisposeScope());
        current = Buffers();
        executor = new GraphExecutor(Graph, key => current.TryGetValue(key, out var t) ? t : null);
        eval();
    }

    /// <summary>The fused graph.</summary>
    public NetworkGraph Graph { get; }

    /// <summary>One line per fusion performed (e.g. "layer1.0.conv1 + layer1.0.bn1 + relu → Conv2d + ReLU").</summary>
    public IReadOnlyList<string> Steps { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (training)
            throw new InvalidOperationException(
                $"{Graph.Network}: fused networks are inference-only; call eval(). (BatchNorm running statistics are folded into the weights, so training mode cannot be honoured.)");
        current = Buffers();   // to(device) and to(dtype) replace the buffer tensors
        if (OnnxRuntimeSession(input) is { } session) return session.Run(input);
        return executor.Run(input);
    }

    /// <summary>The engine forward runs on (default <see cref="FusedEngine.Auto"/>).</summary>
    public FusedEngine Engine
    {
        get => engine;
        set { engine = value; if (value == FusedEngine.TorchSharp) DropSession(); }
    }

    /// <summary>ONNX Runtime's intra-op threads; 0 (the default): TorchSharp's thread count when the session is built.</summary>
    public int Threads
    {
        get => threads;
        set { if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "Threads must be 0 (TorchSharp's count) or positive."); if (value != threads) DropSession(); threads = value; }
    }

    /// <summary>On ONNX Runtime, run each PiX layer as PiXGen's own operator where its library is present (the default,
    /// <see cref="PiXGen.Engines.OnnxRuntimeEngine.NativePiXLibrary"/>); false: as ONNX's standard operators.</summary>
    public bool NativePiX
    {
        get => nativePiX;
        set { if (value != nativePiX) DropSession(); nativePiX = value; }
    }

    private bool nativePiX = true;

    /// <summary>With <see cref="NativePiX"/> on ONNX Runtime: the PiX operators read and write ONNX Runtime's blocked
    /// NCHWc layout directly (the default, where ONNX Runtime uses that layout); false: they take NCHW, and ONNX Runtime
    /// reorders their input and output (<see cref="PiXGen.Engines.OnnxRuntimeEngine.BlockedPiXLayers"/>).</summary>
    public bool BlockedPiX
    {
        get => blockedPiX;
        set { if (value != blockedPiX) DropSession(); blockedPiX = value; }
    }

    private bool blockedPiX = true;

    /// <summary>On ONNX Runtime: let the session's idle threads go on spinning, waiting for work, after a forward
    /// returns, as ONNX Runtime's do by default; false (the default): they spin only while a forward runs, so they do
    /// not take the cores of another network's forward in the same process
    /// (<see cref="PiXGen.Engines.OnnxRuntimeEngine.SpinAfterRun"/>).</summary>
    public bool SpinAfterRun
    {
        get => spinAfterRun;
        set { if (value != spinAfterRun) DropSession(); spinAfterRun = value; }
    }

    private bool spinAfterRun;

    /// <summary>Whether the ONNX Runtime session of the last forward lets its idle threads spin on after a forward
    /// (false before the first forward on ONNX Runtime).</summary>
    public bool SessionSpinsAfterRun => onnx?.SpinAfterRun ?? false;

    /// <summary>How many PiX operators the ONNX Runtime session runs on the blocked layout (0 before the first forward on
    /// ONNX Runtime).</summary>
    public int BlockedPiXLayers => onnx?.BlockedPiXLayers ?? 0;

    /// <summary>Why the PiX operators run on NCHW although the blocked layout was asked for and is available, or null
    /// (<see cref="PiXGen.Engines.OnnxRuntimeEngine.BlockedPiXFailure"/>).</summary>
    public string? BlockedPiXFailure => onnx?.BlockedPiXFailure;

    /// <summary>Whether the last forward ran the PiX layers as PiXGen's own ONNX Runtime operator.</summary>
    public bool RanNativePiX => LastEngine == FusedEngine.OnnxRuntime && onnx is { NativePiX: true };

    /// <summary>Why the last <see cref="FusedEngine.Auto"/> forward did not use ONNX Runtime, or null when it did
    /// (or none ran yet).</summary>
    public string? FallbackReason { get; private set; }

    /// <summary>The engine the last forward ran on.</summary>
    public FusedEngine LastEngine { get; private set; } = FusedEngine.TorchSharp;

    /// <summary>The ONNX Runtime session for <paramref name="input"/>, built on first use and again after the buffers
    /// change (<c>to(…)</c>), or null when forward runs on TorchSharp.</summary>
    private PiXGen.Engines.OnnxRuntimeEngine? OnnxRuntimeSession(Tensor input)
    {
        LastEngine = FusedEngine.TorchSharp;
        if (engine == FusedEngine.TorchSharp) return null;
        string? why = !PiXGen.Engines.OnnxRuntimeEngine.Accepts(input) ? $"the input is {input.dtype} on {input.device}, ONNX Runtime takes CPU float32"
            : !input.shape.Skip(1).SequenceEqual(Graph.InputShape) ? $"the input's sample shape [{string.Join(", ", input.shape.Skip(1))}] is not the graph's [{string.Join(", ", Graph.InputShape)}], which the ONNX export fixes"
            : current.Values.Any(t => !PiXGen.Engines.OnnxRuntimeEngine.Accepts(t)) ? "the weights are not CPU float32"
            : is_grad_enabled() && input.requires_grad ? "the input requires grad"
            : null;
        if (why is null) {
            var handles = current.Values.Select(t => t.Handle).ToArray();
            if (onnx is null || !handles.SequenceEqual(onnxWeights)) {
                if (loadFailure is not null && handles.SequenceEqual(onnxWeights) && engine == FusedEngine.Auto) {
                    why = loadFailure;   // not retried for the same weights
                } else {
                    DropSession();
                    try {
                        onnx = new PiXGen.Engines.OnnxRuntimeEngine(Graph, current, threads, nativePiX: nativePiX, blockedPiX: blockedPiX, spinAfterRun: spinAfterRun);
                    } catch (Exception ex) when (engine == FusedEngine.Auto && ex is not OutOfMemoryException) {
                        why = loadFailure = "ONNX Runtime could not load the network: " + ex.Message;
                    }
                    onnxWeights = handles;
                }
            }
        }
        if (why is not null) {
            if (engine == FusedEngine.OnnxRuntime) throw new InvalidOperationException($"{Graph.Network}: Engine is OnnxRuntime but {why}.");
            FallbackReason = why;
            return null;
        }
        FallbackReason = null;
        LastEngine = FusedEngine.OnnxRuntime;
        return onnx;
    }

    private void DropSession()
    {
        onnx?.Dispose();
        onnx = null;
        onnxWeights = Array.Empty<IntPtr>();
        loadFailure = null;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) DropSession();
        base.Dispose(disposing);
    }

    /// <summary>The fused weights by their graph names (fused convolutions' weight and bias, PiX epilogues, …).</summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        destination ??= new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, buffer) in named_buffers())
            destination.TryAdd(string.IsNullOrEmpty(prefix) ? name : prefix + "." + name, buffer);
        return destination;
    }

    private Dictionary<string, Tensor> Buffers() => named_buffers().ToDictionary(b => b.name, b => b.buffer, StringComparer.Ordinal);
}
