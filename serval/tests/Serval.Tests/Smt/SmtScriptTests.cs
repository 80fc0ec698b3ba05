using Serval.Smt;
using Serval.Symbolic;

namespace Serval.Tests.Smt;

public sealed class SmtScriptTests
{
    [Theory]
    [InlineData("(declare-const x (_ BitVec 8))\n(assert (bvadd x))", 2, "bvadd takes at least 2 arguments")]
    [InlineData("(assert (= y #x00))", 1, "unknown symbol 'y'")]
    [InlineData("(declare-const x (Array Int Int))", 1, "unsupported sort")]
    [InlineData("(declare-const x (_ BitVec 8))\n\n(assert (= x #x0001))", 3, "ill-sorted")]
    [InlineData("(check-sat)\n(frobnicate)", 2, "unsupported command 'frobnicate'")]
    [InlineData("(assert (= #x00 #x00)", 1, "unclosed")]
    [InlineData("(pop 1)", 1, "pop 1 with only 0 pushed")]
    public void Unreadable_input_names_the_line(string text, int line, string message)
    {
        var error = Assert.Throws<SmtScriptException>(() => SmtScript.Parse(text).Run(new RefusingSolver(), TextWriter.Null, null, TestContext.Current.CancellationToken));
        Assert.StartsWith($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Terms_are_read_into_the_simplifying_builders()
    {
        var solver = new RecordingSolver();
        SmtScript.Parse("""
            (set-logic QF_UFBV)
            (declare-fun x () (_ BitVec 8))
            (declare-fun f ((_ BitVec 8)) (_ BitVec 8))
            (define-fun double ((v (_ BitVec 8))) (_ BitVec 8) (bvadd v v))
            (assert (let ((z (bvsub x x))) (= (f (double z)) ((_ zero_extend 4) ((_ extract 3 0) x)))))
            (assert (! (bvuge x #x10) :named big))
            (check-sat)
            (exit)
            (assert false)
            """).Run(solver, TextWriter.Null, null, TestContext.Current.CancellationToken);
        var query = Assert.Single(solver.Queries);
        Assert.Equal(2, query.Count);
        Assert.StartsWith("(= (f #x00) ((_ zero_extend 4) ((_ extract 3 0) x)))", query[0].ToString(), StringComparison.Ordinal);
        Assert.Equal("(bvule #x10 x)", query[1].ToString());
    }

    private sealed class RefusingSolver : ISolver
    {
        public string Name => "refusing";

        public SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
            SolverResult.Unknown("not a solver", Name, TimeSpan.Zero);

        public void Dispose()
        {
        }
    }

    private sealed class RecordingSolver : ISolver
    {
        public List<IReadOnlyList<Term>> Queries { get; } = [];

        public string Name => "recording";

        public SolverResult Check(IReadOnlyList<Term> assertions, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            Queries.Add(assertions);
            return SolverResult.Unknown("recorded", Name, TimeSpan.Zero);
        }

        public void Dispose()
        {
        }
    }
}
