using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.PiX;

/// <summary>
/// PiX written with TorchSharp tensor operations: works for every floating dtype and every device, and is the
/// reference the fused kernel is tested against. The channel axis is split into the full groups of ζ channels
/// (one reshape to (N, G, ζ, H, W)) and, when C is not a multiple of ζ, the short last group (its own block).
/// </summary>
internal static class PiXComposite
{
    /// <summary>Forward pass. <paramref name="x"/> is (N, C, H, W), <paramref name="p"/> is (N, Co, 1, 1).
    /// Differentiable by TorchSharp's autograd (that is <see cref="PiXImplementation.CompositeAutograd"/>).</summary>
    public static Tensor Forward(Tensor x, Tensor p, int zeta, double tau, PiXMode mode)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(2);
        foreach (var b in Blocks(x, zeta))
            parts.Add(ForwardBlock(b.Group(x), p.narrow(1, b.FirstGroup, b.Groups), tau, mode));
        var y = parts.Count == 1 ? parts[0] : cat(parts, 1);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The official kernel's backward with tensor operations: Pick sends p·g to the first arg-max channel of the
    /// group, Mix sends p·g/groupsize to every channel; dp = Σ_{H,W} (max or mean)·g. No gradient through p &lt; τ.
    /// Returns null for a gradient that is not needed.
    /// </summary>
    public static (Tensor? dx, Tensor? dp) Backward(Tensor x, Tensor p, Tensor g, int zeta, double tau, PiXMode mode,
                                                    bool needX, bool needP)
    {
        using var scope = NewDisposeScope();
        var dxs = new List<Tensor>(2);
        var dps = new List<Tensor>(2);
        foreach (var b in Blocks(x, zeta)) {
            var (dx, dp) = BackwardBlock(b.Group(x), p.narrow(1, b.FirstGroup, b.Groups), g.narrow(1, b.FirstGroup, b.Groups),
                                         tau, mode, needX, needP);
            if (dx is not null) dxs.Add(dx.reshape(x.shape[0], b.Groups * b.Size, x.shape[2], x.shape[3]));
            if (dp is not null) dps.Add(dp);
        }
        Tensor? dxAll = needX ? (dxs.Count == 1 ? dxs[0] : cat(dxs, 1)).MoveToOuterDisposeScope() : null;
        Tensor? dpAll = needP ? (dps.Count == 1 ? dps[0] : cat(dps, 1)).MoveToOuterDisposeScope() : null;
        return (dxAll, dpAll);
    }

    /// <summary>One block of equally sized groups: <paramref name="Groups"/> groups of <paramref name="Size"/>
    /// channels starting at output channel <paramref name="FirstGroup"/>.</summary>
    private readonly record struct Block(long FirstGroup, long Groups, long Size, long FirstChannel)
    {
        /// <summary>The block's channels of <paramref name="x"/> as (N, Groups, Size, H, W).</summary>
        public Tensor Group(Tensor x)
        {
            var part = FirstChannel == 0 && Groups * Size == x.shape[1] ? x : x.narrow(1, FirstChannel, Groups * Size);
            return part.reshape(x.shape[0], Groups, Size, x.shape[2], x.shape[3]);
        }
    }

    private static IEnumerable<Block> Blocks(Tensor x, int zeta)
    {
        long c = x.shape[1];
        long full = c / zeta;
        long rest = c - full * zeta;
        if (full > 0) yield return new Block(0, full, zeta, 0);
        if (rest > 0) yield return new Block(full, 1, rest, full * zeta);
    }

    private static Tensor ForwardBlock(Tensor xg, Tensor p, double tau, PiXMode mode)
    {
        Tensor selected = mode switch {
            PiXMode.AvgOnly => xg.mean(new long[] { 2 }),
            PiXMode.MaxOnly => xg.amax(new long[] { 2 }),
            _ => where(p.lt(tau), xg.amax(new long[] { 2 }), xg.mean(new long[] { 2 })),
        };
        return selected * p;
    }

    private static (Tensor? dx, Tensor? dp) BackwardBlock(Tensor xg, Tensor p, Tensor g, double tau, PiXMode mode,
                                                          bool needX, bool needP)
    {
        long size = xg.shape[2];
        Tensor? max = null, argmax = null, mean = null;
        if (mode != PiXMode.AvgOnly) (max, argmax) = xg.max(2, false);
        if (mode != PiXMode.MaxOnly) mean = xg.mean(new long[] { 2 });
        var pick = mode == PiXMode.PickOrMix ? p.lt(tau) : null;   // (N, G, 1, 1)

        Tensor? dx = null;
        if (needX) {
            var pg = p * g;                                          // (N, G, H, W)
            Tensor? dxPick = null, dxMix = null;
            if (argmax is not null)
                dxPick = zeros_like(xg).scatter_(2, argmax.unsqueeze(2), pg.unsqueeze(2));
            if (mean is not null)
                dxMix = (pg / size).unsqueeze(2).expand_as(xg);
            dx = mode switch {
                PiXMode.AvgOnly => dxMix!.contiguous(),
                PiXMode.MaxOnly => dxPick!,
                _ => where(pick!.unsqueeze(2), dxPick!, dxMix!),
            };
        }

        Tensor? dp = null;
        if (needP) {
            var hw = new long[] { 2, 3 };
            Tensor? dpPick = max is null ? null : (max * g).sum(hw, true);
            Tensor? dpMix = mean is null ? null : (mean * g).sum(hw, true);
            dp = mode switch {
                PiXMode.AvgOnly => dpMix!,
                PiXMode.MaxOnly => dpPick!,
                _ => where(pick!, dpPick!, dpMix!),
            };
        }
        return (dx, dp);
    }
}
