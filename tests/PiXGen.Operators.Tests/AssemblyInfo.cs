// The disposal test reads TorchSharp's process-wide live-tensor counter, and TorchSharp's intra-op threads
// already use both cores: run the tests one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
