using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using ModelProto = Onnx.ModelProto;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using PiXGen.Definitions;
using PiXGen.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Engines;

/// <summary>
/// ONNX Runtime, in process, as an inference engine for a <see cref="NetworkGraph"/>: the graph and its weights are
/// exported by <see cref="OnnxExporter"/> to bytes, loaded into an <see cref="InferenceSession"/> with every graph
/// optimisation on, and run on TorchSharp tensors without copies (the input's and a fresh output's memory are handed to
/// ONNX Runtime). CPU and float32 only; <see cref="FusedNetwork"/> uses it when it can (docs/benchmarks/engines.md).
/// With PiXGen's PiX operator and ONNX Runtime's blocked layout, the model ONNX Runtime optimised is saved once to a
/// private temporary file, read back with its PiX nodes on the blocked layout (<see cref="BlockedPiX"/>), deleted, and
/// that model is what runs.
/// </summary>
public sealed class OnnxRuntimeEngine : IDisposable
{
    /// <summary>How many runs of a new session are not yet steady: the first, which grows ONNX Runtime's memory arena
    /// and touches its pages for the first time. Benchmarks and profiles leave at least this many runs untimed. (With
    /// ONNX Runtime's memory pattern on, the second run was unsteady too; the sessions turn it off.)</summary>
    public const int UnsteadyRuns = 1;

    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string inputName, outputName;
    private readonly long[] outputSample;

    /// <summary>Builds the session for a graph on its weights.</summary>
    /// <param name="graph">The network, e.g. a fused graph (<see cref="GraphFusion"/>).</param>
    /// <param name="weights">Its weights by graph name (read, not kept).</param>
    /// <param name="threads">ONNX Runtime's intra-op threads; 0: TorchSharp's current thread count, so both engines
    /// get the same cores.</param>
    /// <param name="profilePrefix">When set, ONNX Runtime writes its per-node profile (Chrome trace JSON) to a file
    /// starting with this prefix; <see cref="EndProfiling"/> returns its name.</param>
    /// <param name="nativePiX">Run each PiX layer as PiXGen's own operator (<see cref="NativePiXLibrary"/>) when that
    /// library is present; false: as ONNX's standard operators, the lowering of <c>export --onnx</c>.</param>
    /// <param name="blockedPiX">With <paramref name="nativePiX"/>: let each PiX operator read and write ONNX Runtime's
    /// blocked NCHWc layout, so ONNX Runtime does not reorder its input and output (<see cref="BlockedPiXLayers"/>);
    /// false: the operator takes NCHW, with ONNX Runtime's reorders around it.</param>
    /// <param name="spinAfterRun">Let the session's idle intra-op threads go on spinning, waiting for work, after a run
    /// returns (ONNX Runtime's own default); false (PiXGen's default): they spin between operators while a run is in
    /// progress and stop when it returns. See <see cref="SpinAfterRun"/>.</param>
    public OnnxRuntimeEngine(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, int threads = 0, string? profilePrefix = null,
                             bool nativePiX = true, bool blockedPiX = true, bool spinAfterRun = false)
        : this(graph, weights, threads, profilePrefix, nativePiX, blockedPiX, temporaryFolder: null, spinAfterRun)
    {
    }

    /// <summary>As above, with the folder where ONNX Runtime's optimised model is saved for the blocked layout
    /// (null: the system's temporary folder).</summary>
    internal OnnxRuntimeEngine(NetworkGraph graph, IReadOnlyDictionary<string, Tensor> weights, int threads, string? profilePrefix,
                               bool nativePiX, bool blockedPiX, string? temporaryFolder, bool spinAfterRun = false)
    {
        if (graph is null) throw new ArgumentNullException(nameof(graph));
        string? library = nativePiX && graph.Nodes.Any(n => DefinedKind.PiX.Is(n.Op)) ? NativePiXLibrary : null;
        NativePiX = library is not null;
        var exported = OnnxExporter.ToModel(graph, weights, NativePiX);
        var bytes = exported.ToByteArray();
        Threads = threads > 0 ? threads : torch.get_num_threads();
        SpinAfterRun = spinAfterRun;
        var level = GraphOptimizationLevel.ORT_ENABLE_ALL;
        // The blocked layout where ONNX Runtime has one and the operator's selection is vectorised for its block.
        if (library is not null && blockedPiX && BlockedPiX.BlockSize > 0
            && (BlockedPiXFailure = BlockedPiX.WhyNotBlocked(BlockedPiX.BlockSize)) is null) {
            // ONNX Runtime optimises the model once and saves the result; the PiX nodes in it then take the blocked
            // layout instead of the reorders ONNX Runtime put around them, and that model is loaded as it is.
            // Where that fails (no room or no right to write the file, a model ONNX Runtime cannot save), the network
            // still runs, with the operator on NCHW, and BlockedPiXFailure says why.
            try {
                var optimised = Optimised(bytes, library, temporaryFolder ?? System.IO.Path.GetTempPath());
                BlockedPiXLayers = BlockedPiX.Rewrite(optimised, BlockedPiX.BlockSize, exported.Graph.ValueInfo);
                if (BlockedPiXLayers > 0) {
                    bytes = optimised.ToByteArray();
                    level = GraphOptimizationLevel.ORT_DISABLE_ALL;
                }
            } catch (Exception ex) when (ex is OnnxRuntimeException or System.IO.IOException or UnauthorizedAccessException or InvalidProtocolBufferException) {
                BlockedPiXFailure = $"the PiX operators stay on NCHW: ONNX Runtime's optimised model could not be saved and read back ({ex.GetType().Name}: {ex.Message})";
            }
        }
        using var options = Options(level, Threads, library, spinAfterRun);
        if (profilePrefix is not null) {
            // The prefix first: enabling profiling hands ONNX Runtime the prefix set at that moment (its default writes
            // into the working folder).
            options.ProfileOutputPathPrefix = profilePrefix;
            options.EnableProfiling = true;
        }
        session = new InferenceSession(bytes, options);
        inputName = session.InputMetadata.Keys.Single();
        outputName = graph.Output;
        outputSample = GraphOps.ShapeOf(graph, graph.Output);
    }

    /// <summary>Whether the network's PiX layers run as PiXGen's own ONNX Runtime operator (one node per layer)
    /// rather than as ONNX's standard operators.</summary>
    public bool NativePiX { get; }

    /// <summary>How many PiX operators read and write ONNX Runtime's blocked layout directly (no reorder around
    /// them); 0 where the layout is not used, the operator library is absent, or <c>blockedPiX</c> was false.</summary>
    public int BlockedPiXLayers { get; }

    /// <summary>Why the PiX operators run on NCHW although the blocked layout was asked for and is available, or null.</summary>
    public string? BlockedPiXFailure { get; }

    /// <summary>
    /// Whether the session's idle intra-op threads go on spinning after a run returns, as ONNX Runtime's do by default.
    /// Off unless asked for: the threads spin, waiting for work, between the operators of a run (letting them sleep
    /// there made PiX-ResNet-50 at batch 1 on 2 cores 9 % slower: each PiX operator hands work to the other thread
    /// twice per sample) and stop when the run returns ("session.force_spinning_stop"). Every session has threads of its
    /// own, so threads spinning on after a run take the cores the next run needs: in a process with several networks
    /// (a dense network and its PiX variant, say) each run competed with the threads of the one before
    /// (docs/benchmarks/engines.md).
    /// </summary>
    public bool SpinAfterRun { get; }

    private static SessionOptions Options(GraphOptimizationLevel level, int threads, string? library, bool spinAfterRun)
    {
        var options = new SessionOptions {
            GraphOptimizationLevel = level,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            // ONNX Runtime's memory pattern (on by default) records the intermediate tensors' sizes in the first run and
            // from the second on allocates one block for all of them, so the second run is the first to touch that
            // block's pages: on PiX-ResNet-50 at batch 8 it took 70-100 ms more than the later runs. Without it the
            // tensors come from the arena, which the first run grew, and the later runs were as fast as with it
            // (docs/benchmarks/engines.md).
            EnableMemoryPattern = false,
        };
        if (!spinAfterRun) options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        if (library is not null) options.RegisterCustomOpLibrary(library);
        return options;
    }

    /// <summary>The model as ONNX Runtime optimises it on this machine, NCHWc layout included: ONNX Runtime writes it to
    /// a private temporary file (its only way out), which is read back and deleted.</summary>
    private static ModelProto Optimised(byte[] model, string library, string temporaryFolder)
    {
        string folder = System.IO.Path.Combine(temporaryFolder, "pixgen-ort-" + Guid.NewGuid().ToString("N"));
        // Only this user may read the folder: the file holds the network's weights.
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(folder);
        else System.IO.Directory.CreateDirectory(folder, System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.UserExecute);
        try {
            string path = System.IO.Path.Combine(folder, "optimised.onnx");
            using (var options = Options(GraphOptimizationLevel.ORT_ENABLE_ALL, 1, library, spinAfterRun: false)) {
                options.OptimizedModelFilePath = path;
                // Its warning that an NCHWc model only suits this machine is what is meant here: the model is used at once.
                options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;
                using var _ = new InferenceSession(model, options);
            }
            return Onnx.ModelProto.Parser.ParseFrom(System.IO.File.ReadAllBytes(path));
        } finally {
            if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The file of PiXGen's ONNX Runtime operators (<c>libpixgen_ort.so</c>, built from src/PiXGen/Native on Linux x64
    /// where a C++ compiler was found), or null where there is none or <c>PIXGEN_ORT_PIX=portable</c> asks for ONNX's
    /// standard operators. Looked up beside this assembly and the application, then under <c>runtimes/linux-x64/native</c>
    /// (where a package puts it).
    /// </summary>
    public static string? NativePiXLibrary => nativePiXLibrary.Value;

    private static readonly Lazy<string?> nativePiXLibrary = new(FindNativePiXLibrary);

    private static string? FindNativePiXLibrary()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("PIXGEN_ORT_PIX"), "portable", StringComparison.OrdinalIgnoreCase)) return null;
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64) return null;
        const string file = "libpixgen_ort.so";
        var folders = new[] { System.IO.Path.GetDirectoryName(typeof(OnnxRuntimeEngine).Assembly.Location), AppContext.BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d)).Distinct();
        return folders.SelectMany(d => new[] { System.IO.Path.Combine(d!, file), System.IO.Path.Combine(d!, "runtimes", "linux-x64", "native", file) })
                      .FirstOrDefault(System.IO.File.Exists);
    }

    /// <summary>The intra-op threads the session runs on.</summary>
    public int Threads { get; }

    /// <summary>Whether <see cref="Run"/> takes <paramref name="input"/>: a CPU float32 tensor.</summary>
    public static bool Accepts(Tensor input) => input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32;

    /// <summary>The network's output for <paramref name="input"/> (N, …), a new CPU float32 tensor.</summary>
    /// <exception cref="ArgumentException">The input is not a CPU float32 tensor.</exception>
    public Tensor Run(Tensor input)
    {
        if (!Accepts(input))
            throw new ArgumentException($"ONNX Runtime engine: the input must be a CPU float32 tensor, not {input.dtype} on {input.device}.", nameof(input));
        using var x = input.detach().contiguous();
        var y = empty(new[] { x.shape[0] }.Concat(outputSample).ToArray(), ScalarType.Float32);
        using (var xv = Wrap(x))
        using (var yv = Wrap(y))
            session.Run(runOptions, new[] { inputName }, new[] { xv }, new[] { outputName }, new[] { yv });
        GC.KeepAlive(x);
        return y;
    }

    /// <summary>Stops profiling and returns the profile file's name (only with a profile prefix).</summary>
    public string EndProfiling() => session.EndProfiling();

    /// <summary>One node's kernel time in an ONNX Runtime profile.</summary>
    public sealed record NodeTime(string Node, string OpType, double Microseconds);

    /// <summary>The node kernel times of an ONNX Runtime profile file (Chrome trace JSON, one event per node and run).</summary>
    public static IReadOnlyList<NodeTime> ReadProfile(string path)
    {
        const string suffix = "_kernel_time";
        using var doc = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllBytes(path));
        var times = new List<NodeTime>();
        foreach (var ev in doc.RootElement.EnumerateArray()) {
            if (!ev.TryGetProperty("cat", out var cat) || cat.GetString() != "Node") continue;
            string name = ev.GetProperty("name").GetString() ?? "";
            if (!name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            string op = ev.TryGetProperty("args", out var args) && args.TryGetProperty("op_name", out var o) ? o.GetString() ?? "?" : "?";
            times.Add(new NodeTime(name[..^suffix.Length], op, ev.GetProperty("dur").GetDouble()));
        }
        return times;
    }

    private static OrtValue Wrap(Tensor t) =>
        OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, t.shape,
                                           PiXGen.PiX.PiXCpuKernel.Data(t), t.numel() * sizeof(float));

    /// <inheritdoc/>
    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
