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
    [InlineData("(declare-const x (_ BitVec 8))\n(assert (= x #xGG))", 2, "bad bitvector literal #xGG")]
    [InlineData("(assert (= #b102 #b102))", 1, "bad bitvector literal #b102")]
    [InlineData("(define-fun g ((a Bool) (a Bool)) Bool a)", 1, "'a' is bound twice in ((a Bool) (a Bool))")]
    [InlineData("(assert\n  (let ((y true) (y false)) y))", 2, "'y' is bound twice")]
    [InlineData("(assert (forall ((i Bool) (i Bool)) i))", 1, "'i' is bound twice")]
    [InlineData("(push 1000000000)\n(push 2)\n(pop 1000000001)\n(pop 2)", 4, "pop 2 with only 1 pushed")]
    [InlineData("(declare-const a (_ BitVec 8))\n(assert (= a \"a\"))", 2, "string literal \"a\" is not a term")]
    [InlineData("(declare-const a Bool)\n(assert (!))", 2, "! takes a term and attribute-value pairs")]
    [InlineData("(declare-const a Bool)\n(assert (! a :named))", 2, "! takes a term and attribute-value pairs")]
    [InlineData("(declare-const a Bool)\n(assert (! a named n))", 2, "expected an attribute keyword, got named")]
    [InlineData("(declare-const a Bool)\n(assert (! a :named a))", 2, "'a' is already declared")]
    [InlineData("(assert (forall ((b Bool)) (! b :named n)))", 1, "named term inside a quantifier")]
    [InlineData("(declare-const p Bool)\n(check-sat-assuming p)", 2, "check-sat-assuming takes a list of boolean terms")]
    [InlineData("(check-sat-assuming (#x1))", 1, "check-sat-assuming needs booleans, got (_ BitVec 4)")]
    [InlineData("(declare-const x (_ BitVec 8))\n(assert (= ((_ repeat 300000000) x) x))", 2, "wider than the 2147483647 bits supported")]
    [InlineData("(declare-const x (_ BitVec 8))\n(assert (= ((_ zero_extend 2147483647) x) x))", 2, "A bitvector of 2147483655 bits is wider")]
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

    [Fact]
    public void A_named_term_defines_its_name_and_quoted_symbols_keep_their_bars_in_answers()
    {
        using var solver = SolverPool.Create("z3");
        var output = new StringWriter();
        SmtScript.Parse("""
            (declare-const |x y| (_ BitVec 8))
            (assert (! (bvugt |x y| #x10) :pattern () :named big))
            (assert (=> big (= |x y| #x20)))
            (check-sat)
            (get-value (|x y| big))
            (get-model)
            """).Run(solver, output, null, TestContext.Current.CancellationToken);
        Assert.Equal(["sat", "((|x y| #x20) (big true))", "(", "  (define-fun |x y| () (_ BitVec 8) #x20)", ")"],
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Get_model_defines_every_constant_and_function_so_that_z3_finds_the_assertions_hold()
    {
        const string Assertions = """
            (assert (= (f x) #x3))
            (assert (= (f (bvadd x #x1)) #x7))
            (assert (not (= (g x p) (g #x0 (not p)))))
            (assert (bvugt x #x4))
            """;
        using var solver = SolverPool.Create("z3");
        var output = new StringWriter();
        SmtScript.Parse("""
            (declare-const x (_ BitVec 4))
            (declare-const p Bool)
            (declare-fun f ((_ BitVec 4)) (_ BitVec 4))
            (declare-fun g ((_ BitVec 4) Bool) Bool)
            """ + Assertions + """
            (check-sat)
            (get-model)
            """).Run(solver, output, null, TestContext.Current.CancellationToken);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["sat", "("], lines[..2]);
        Assert.Equal(")", lines[^1]);
        var definitions = lines[2..^1];
        Assert.Equal(["x", "p", "f", "g"], definitions.Select(d => d.Split(' ')[1]));
        Assert.Contains("(define-fun f ((x!0 (_ BitVec 4))) (_ BitVec 4) (ite (= x!0 ", definitions[2], StringComparison.Ordinal);
        Assert.Contains("(define-fun g ((x!0 (_ BitVec 4)) (x!1 Bool)) Bool ", definitions[3], StringComparison.Ordinal);

        // The model, as printed, read by z3 in place of the declarations: the assertions hold (nothing left free).
        using var z3 = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("z3", "-in")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        z3.StandardInput.Write(string.Join("\n", definitions) + "\n" + Assertions + "\n(check-sat)\n");
        z3.StandardInput.Close();
        Assert.Equal("sat", z3.StandardOutput.ReadToEnd().Trim());
        z3.WaitForExit();
    }

    [Fact]
    public void Check_sat_assuming_adds_its_assumptions_to_that_check_only()
    {
        using var solver = SolverPool.Create("z3");
        var output = new StringWriter();
        var script = SmtScript.Parse("""
            (declare-const p Bool)
            (declare-const x (_ BitVec 4))
            (assert (=> p (= x #b0001)))
            (check-sat-assuming (p (not (= x #x1))))
            (check-sat-assuming (p))
            (get-value (x))
            (check-sat)
            """);
        script.Run(solver, output, null, TestContext.Current.CancellationToken);
        Assert.Equal([SolverStatus.Unsat, SolverStatus.Sat, SolverStatus.Sat], script.Answers.Select(a => a.Status));
        Assert.Contains("((x #x1))", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Repeat_builds_logarithmically_many_concatenations()
    {
        var solver = new RecordingSolver();
        SmtScript.Parse("""
            (declare-const x (_ BitVec 1))
            (declare-const y (_ BitVec 1000))
            (assert (= ((_ repeat 1000) x) y))
            (assert (distinct ((_ repeat 5) #b10) #b1010101010))
            (check-sat)
            """).Run(solver, TextWriter.Null, null, TestContext.Current.CancellationToken);
        var query = Assert.Single(solver.Queries);
        var nodes = new HashSet<Term>(ReferenceEqualityComparer.Instance);
        void Visit(Term t)
        {
            if (nodes.Add(t))
            {
                foreach (var arg in t.Args)
                {
                    Visit(arg);
                }
            }
        }
        Visit(query[0]);
        Assert.InRange(nodes.Count, 3, 2 * 10 + 3);
        Assert.Equal("false", query[1].ToString());
    }

    [Fact]
    public void Push_of_many_levels_is_one_frame_and_pop_removes_the_top_level_first()
    {
        var solver = new RecordingSolver();
        SmtScript.Parse("""
            (declare-const x Bool)
            (push 1000000000)
            (assert x)
            (check-sat)
            (pop 1)
            (check-sat)
            (assert (not x))
            (pop 999999999)
            (check-sat)
            """).Run(solver, TextWriter.Null, null, TestContext.Current.CancellationToken);
        Assert.Equal([1, 0, 0], solver.Queries.Select(q => q.Count));
    }

    [Fact]
    public void A_model_asked_for_after_unknown_is_an_error_line_and_the_script_goes_on()
    {
        var output = new StringWriter();
        var script = SmtScript.Parse("(declare-const x (_ BitVec 8))\n(check-sat)\n(get-value (x))\n(get-model)\n(echo \"after\")");
        script.Run(new RefusingSolver(), output, null, TestContext.Current.CancellationToken);
        Assert.Equal(SolverStatus.Unknown, Assert.Single(script.Answers).Status);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["unknown", "(error \"line 3: get-value: no model, the last check-sat answered unknown\")",
            "(error \"line 4: get-model: no model, the last check-sat answered unknown\")", "\"after\""], lines);
    }

    [Fact]
    public void Nesting_too_deep_for_the_readers_is_refused_with_a_message_not_a_stack_overflow()
    {
        static string Nested(int depth) => "(declare-const c Bool)\n(assert " + string.Concat(Enumerable.Repeat("(not ", depth)) + "c"
            + new string(')', depth) + ")\n(check-sat)";
        var solver = new RecordingSolver();
        SmtScript.Parse(Nested(5_000)).Run(solver, TextWriter.Null, null, TestContext.Current.CancellationToken);
        Assert.Equal("c", Assert.Single(Assert.Single(solver.Queries)).ToString());
        var error = Assert.Throws<SmtScriptException>(() => SmtScript.Parse(Nested(100_000)));
        Assert.Contains($"nested more than {SExprReader.MaxDepth} deep", error.Message, StringComparison.Ordinal);
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
