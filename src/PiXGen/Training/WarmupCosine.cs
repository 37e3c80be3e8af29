using System;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Training;

/// <summary>
/// The learning-rate schedule of docs/training.md, stepped once per batch: a linear warm-up over the first 5 % of the
/// steps (at most 200), then a cosine from the base learning rate to 0 over the rest.
/// </summary>
public static class WarmupCosine
{
    /// <summary>The factor of the base learning rate at step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>.</summary>
    public static double Factor(long step, long totalSteps)
    {
        long warmup = Math.Max(1, Math.Min(200, totalSteps / 20));
        if (step < warmup) return (double)(step + 1) / warmup;
        return 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, totalSteps - warmup)));
    }

    /// <summary>The schedule as TorchSharp's <c>LambdaLR</c> on <paramref name="optimizer"/>: call <c>step()</c> after
    /// every optimiser step.</summary>
    public static optim.lr_scheduler.LRScheduler Create(optim.Optimizer optimizer, long totalSteps) =>
        optim.lr_scheduler.LambdaLR(optimizer, step => Factor(step, totalSteps));
}
