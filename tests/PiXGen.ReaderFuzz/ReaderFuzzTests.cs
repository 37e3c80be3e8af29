using System;
using System.IO;
using System.Linq;

namespace PiXGen.ReaderFuzz;

/// <summary>CI's short sample of the reader fuzzer (the long run: Program.cs, docs/reliability.md).</summary>
public class ReaderFuzzTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void A_sample_of_mutated_files_meets_the_oracle(ulong seed)
    {
        var folder = Path.Combine(Path.GetTempPath(), "pixgen-readerfuzz-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var run = new FuzzRun();
            run.Run(seed, 0, 1500, folder, checkBounds: false);
            Assert.True(run.Violations == 0, string.Join("\n", run.Failures));
            // The sample exercises every outcome: files that load, files refused, mutated pickles.
            Assert.True(run.Loaded > 100 && run.Refused > 100 && run.Unknown > 10, $"{run.Loaded} loaded, {run.Refused} refused, {run.Unknown} unknown");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_oracle_catches_a_reader_that_loads_what_the_reference_refuses()
    {
        // The oracle itself must be able to fail: a valid file described as refused is a violation.
        var folder = Path.Combine(Path.GetTempPath(), "pixgen-readerfuzz-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var valid = Enumerable.Range(0, 30).Select(k => Cases.At(5, k)).First(c => c.Verdict == Verdict.Load && c.Ext == ".safetensors");
            Assert.Null(Oracle.Check(valid, folder, alsoLoadIntoModule: true));
            Assert.NotNull(Oracle.Check(valid with { Verdict = Verdict.Refuse }, folder, alsoLoadIntoModule: false));
            var changed = valid.Tensors.Count > 0 && valid.Tensors[0].Bytes.Length > 0
                ? valid with { Tensors = valid.Tensors.Select((t, i) => i == 0 ? t with { Bytes = t.Bytes.Select(b => (byte)(b ^ 1)).ToArray() } : t).ToList() }
                : valid with { Tensors = valid.Tensors.Append(new RefTensor("extra", "F32", new long[] { 1 }, new byte[4])).ToList() };
            Assert.NotNull(Oracle.Check(changed, folder, alsoLoadIntoModule: false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
