using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using PiXGen.Graph;

namespace PiXGen.Engines;

/// <summary>
/// PiXGen's PiX operator on ONNX Runtime's blocked layout. With every graph optimisation on, ONNX Runtime keeps
/// convolution outputs in its NCHWc layout (channels in blocks of 8 or 16, <c>com.microsoft.nchwc</c>) and, around a
/// node it does not know, reorders the tensor to NCHW and back (<c>ReorderOutput</c>, <c>ReorderInput</c>): for
/// PiX-ResNet-50 that was as much time as the PiX operators themselves. <see cref="Rewrite"/> takes the model ONNX Runtime
/// optimised (saved with <c>SessionOptions.OptimizedModelFilePath</c>) and replaces each
/// ReorderOutput → <c>ai.pixgen.PiX</c> → ReorderInput chain by one PiX node with the attribute <c>block</c>, which reads
/// and writes the blocked layout itself (src/PiXGen/Native/pixgen_ort.cpp). Nothing else in the graph changes.
/// </summary>
internal static class BlockedPiX
{
    /// <summary>The domain of ONNX Runtime's NCHWc operators.</summary>
    internal const string NchwcDomain = "com.microsoft.nchwc";

    /// <summary>The channel block of ONNX Runtime's NCHWc layout on this machine (8 with AVX2, 16 with AVX-512), or 0
    /// where it has none or ONNX Runtime cannot say. Measured once, by ONNX Runtime itself: its own <c>ReorderInput</c>
    /// pads four channels (the fewest it takes) up to one block.</summary>
    internal static int BlockSize => blockSize.Value;

    private static readonly Lazy<int> blockSize = new(ProbeBlockSize);

    /// <summary>
    /// Why the operator should not take ONNX Runtime's blocked layout of <paramref name="block"/> channels on a processor
    /// with (or without) AVX2 and AVX-512, or null where it should. Its selection on the blocked layout is vectorised
    /// for block 8 with AVX2 and block 16 with AVX-512; its plain copy, what a processor without them runs, reads about
    /// 1 GB/s of input, while on NCHW the operator is vectorised for any x86-64 (its plain copy 9–28 GB/s;
    /// tools/bench/pix-passes.sh, docs/benchmarks/engines.md). ONNX Runtime uses blocks of 8 on x86-64 processors
    /// without AVX2 too, so there the operator stays on NCHW, with ONNX Runtime's reorders around it.
    /// </summary>
    internal static string? WhyNotBlocked(int block, bool avx2, bool avx512)
    {
        if (block is not (8 or 16))
            return $"the PiX operators stay on NCHW: the operator does not take ONNX Runtime's blocked layout of {block} channels";
        var (needed, has) = block == 8 ? ("AVX2", avx2) : ("AVX-512", avx512);
        return has ? null
            : $"the PiX operators stay on NCHW: this processor has no {needed}, and without it the operator's selection on ONNX Runtime's blocked layout of {block} runs its plain copy, many times slower than on NCHW";
    }

    /// <summary><see cref="WhyNotBlocked(int, bool, bool)"/> for this processor.</summary>
    internal static string? WhyNotBlocked(int block) =>
        WhyNotBlocked(block, System.Runtime.Intrinsics.X86.Avx2.IsSupported, System.Runtime.Intrinsics.X86.Avx512F.IsSupported);

    private static int ProbeBlockSize()
    {
        var graph = new GraphProto { Name = "nchwc_block" };
        var node = new NodeProto { OpType = "ReorderInput", Domain = NchwcDomain, Name = "reorder" };
        node.Input.Add("x");
        node.Output.Add("y");
        node.Attribute.Add(new AttributeProto { Name = "channels_last", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Add(node);
        graph.Input.Add(Tensor4("x", 4));
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "PiXGen", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxExporter.Opset });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = NchwcDomain, Version = 1 });
        try {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
            using var session = new InferenceSession(model.ToByteArray(), options);
            using var x = OrtValue.CreateTensorValueFromMemory(new float[4], new long[] { 1, 4, 1, 1 });
            using var results = session.Run(new RunOptions(), new[] { "x" }, new[] { x }, new[] { "y" });
            long channels = results[0].GetTensorTypeAndShape().Shape[1];
            return channels is 8 or 16 ? (int)channels : 0;
        } catch (OnnxRuntimeException) {
            return 0;   // no NCHWc kernels in this ONNX Runtime
        }
    }

    private static ValueInfoProto Tensor4(string name, long channels)
    {
        var shape = new TensorShapeProto();
        foreach (var d in new[] { 1L, channels, 1L, 1L }) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    /// <summary>
    /// Replaces, in <paramref name="model"/> (as ONNX Runtime saved it after optimising), every PiX node that reads a
    /// <c>ReorderOutput</c> (NCHWc → NCHW) used by it alone and whose output only a <c>ReorderInput</c> (NCHW → NCHWc)
    /// reads, by one PiX node with <c>block</c> = <paramref name="block"/> from the blocked tensor to the blocked tensor.
    /// Returns how many it replaced; a PiX node in any other surrounding is left as it is.
    /// </summary>
    /// <param name="model">The optimised model, changed in place.</param>
    /// <param name="block">The NCHWc block, <see cref="BlockSize"/>.</param>
    /// <param name="stated">The value infos of the model as exported, where each PiX output's shape is stated. The
    /// saved model has none, and ONNX Runtime cannot infer a custom operator's output: the replaced node's output is
    /// stated again (its channels rounded up to the block), or every shape after it would be unknown, and ONNX Runtime
    /// would then plan no buffer reuse there (the residual convolutions after each PiX node became slow enough to undo
    /// the gain; docs/benchmarks/engines.md).</param>
    internal static int Rewrite(ModelProto model, int block, IEnumerable<ValueInfoProto> stated)
    {
        if (block is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(block), block, "The NCHWc block is 8 or 16.");
        var shapes = stated.GroupBy(v => v.Name).ToDictionary(v => v.Key, v => v.First());
        var g = model.Graph;
        var producer = new Dictionary<string, NodeProto>();
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var n in g.Node) {
            foreach (var o in n.Output) producer[o] = n;
            foreach (var i in n.Input.Where(i => i.Length > 0)) {
                if (!consumers.TryGetValue(i, out var list)) consumers[i] = list = new List<NodeProto>();
                list.Add(n);
            }
        }
        var graphOutputs = g.Output.Select(o => o.Name).ToHashSet();
        var drop = new HashSet<NodeProto>();
        var goneTensors = new HashSet<string>();
        int rewritten = 0;
        foreach (var pix in g.Node.Where(n => n.Domain == OnnxExporter.NativeDomain && n.OpType == "PiX").ToList()) {
            if (pix.Attribute.Any(a => a.Name == "block") || pix.Output.Count != 1) continue;
            string pixIn = pix.Input[0], pixOut = pix.Output[0];
            if (!producer.TryGetValue(pixIn, out var before) || !IsReorder(before, "ReorderOutput")) continue;
            if (consumers[pixIn].Count != 1 || graphOutputs.Contains(pixIn)) continue;
            if (!consumers.TryGetValue(pixOut, out var after) || after.Count != 1 || !IsReorder(after[0], "ReorderInput")) continue;
            if (graphOutputs.Contains(pixOut) || !shapes.TryGetValue(pixOut, out var shape) || Blocked(shape, block, reorderName: after[0].Output[0]) is not { } blockedShape) continue;
            var reorderIn = after[0];
            g.ValueInfo.Add(blockedShape);
            pix.Input[0] = before.Input[0];
            pix.Output[0] = reorderIn.Output[0];
            pix.Attribute.Add(new AttributeProto { Name = "block", Type = AttributeProto.Types.AttributeType.Int, I = block });
            drop.Add(before);
            drop.Add(reorderIn);
            goneTensors.Add(pixIn);
            goneTensors.Add(pixOut);
            rewritten++;
        }
        if (rewritten == 0) return 0;
        // Removing a node keeps the others' order, which stays topological: the PiX node sits between the two it replaces.
        foreach (var n in g.Node.Where(drop.Contains).ToList()) g.Node.Remove(n);
        foreach (var v in g.ValueInfo.Where(v => goneTensors.Contains(v.Name)).ToList()) g.ValueInfo.Remove(v);
        return rewritten;
    }

    /// <summary>A stated 4-d float shape (N, C, H, W) with C rounded up to the block, under a new name; null when the
    /// shape is not that.</summary>
    private static ValueInfoProto? Blocked(ValueInfoProto stated, int block, string reorderName)
    {
        var type = stated.Type?.TensorType;
        if (type?.Shape is not { Dim.Count: 4 } shape || shape.Dim[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue) return null;
        var blocked = stated.Clone();
        blocked.Name = reorderName;
        var channels = blocked.Type.TensorType.Shape.Dim[1];
        channels.DimValue = (channels.DimValue + block - 1) / block * block;
        return blocked;
    }

    private static bool IsReorder(NodeProto node, string op) =>
        node.Domain == NchwcDomain && node.OpType == op && node.Input.Count >= 1 && node.Output.Count == 1
        && node.Attribute.All(a => a.Name != "channels_last" || a.I == 0);
}
