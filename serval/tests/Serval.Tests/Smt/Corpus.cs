namespace Serval.Tests.Smt;

/// <summary>SMT-LIB2 queries with known answers, for checking that the back ends agree.</summary>
internal static class Corpus
{
    public static readonly (string Name, string Script, string Expected)[] Queries =
    [
        ("add-commutes", """
            (declare-const x (_ BitVec 32)) (declare-const y (_ BitVec 32))
            (assert (not (= (bvadd x y) (bvadd y x)))) (check-sat)
            """, "unsat"),
        ("xor-swap", """
            (declare-const a (_ BitVec 64)) (declare-const b (_ BitVec 64))
            (define-fun a1 () (_ BitVec 64) (bvxor a b))
            (define-fun b1 () (_ BitVec 64) (bvxor a1 b))
            (define-fun a2 () (_ BitVec 64) (bvxor a1 b1))
            (assert (not (and (= a2 b) (= b1 a)))) (check-sat)
            """, "unsat"),
        ("signed-overflow", """
            (declare-const x (_ BitVec 16))
            (assert (bvslt (bvadd x #x0001) x)) (check-sat)
            """, "sat"),
        ("udiv-by-zero", """
            (declare-const x (_ BitVec 8))
            (assert (not (= (bvudiv x #x00) #xff))) (check-sat)
            """, "unsat"),
        ("srem-sign", """
            (declare-fun x () (_ BitVec 8)) (declare-fun y () (_ BitVec 8))
            (assert (and (bvslt x #x00) (not (= y #x00)) (bvsgt (bvsrem x y) #x00))) (check-sat)
            """, "unsat"),
        ("smod-sign", """
            (declare-fun x () (_ BitVec 8)) (declare-fun y () (_ BitVec 8))
            (assert (and (bvsgt y #x00) (bvslt (bvsmod x y) #x00))) (check-sat)
            """, "unsat"),
        ("extract-concat", """
            (declare-fun x () (_ BitVec 24))
            (assert (distinct x (concat ((_ extract 23 12) x) ((_ extract 11 0) x)))) (check-sat)
            """, "unsat"),
        ("rotate", """
            (declare-fun x () (_ BitVec 12))
            (assert (= ((_ rotate_left 3) x) x)) (assert (not (= x #x000))) (assert (not (= x #xfff))) (check-sat)
            """, "sat"),
        ("wide-128", """
            (declare-fun w () (_ BitVec 128))
            (assert (= (bvmul w #x00000000000000000000000000000003) #x00000000000000000000000000000001)) (check-sat)
            """, "sat"),
        ("uf-congruence", """
            (declare-fun f ((_ BitVec 8)) (_ BitVec 8)) (declare-fun x () (_ BitVec 8)) (declare-fun y () (_ BitVec 8))
            (assert (= x y)) (assert (not (= (f x) (f y)))) (check-sat)
            """, "unsat"),
        ("uf-two-args", """
            (declare-fun g ((_ BitVec 4) Bool) (_ BitVec 4)) (declare-fun x () (_ BitVec 4)) (declare-fun p () Bool)
            (assert (= (g x p) #x3)) (assert (= (g x (not p)) #x5)) (check-sat)
            """, "sat"),
        ("push-pop", """
            (declare-fun x () (_ BitVec 8))
            (push 1) (assert (= x #x01)) (assert (= x #x02)) (check-sat) (pop 1)
            (assert (= x #x02)) (check-sat)
            """, "unsat sat"),
        ("let-sharing", """
            (declare-fun x () (_ BitVec 32))
            (assert (let ((y (bvmul x x))) (let ((z (bvadd y y))) (not (= z (bvshl y #x00000001)))))) (check-sat)
            """, "unsat"),
        ("bool-structure", """
            (declare-fun p () Bool) (declare-fun q () Bool)
            (assert (and (=> p q) (xor p q) (not q))) (check-sat)
            """, "unsat"),
    ];

    /// <summary>Quantified queries (boolector does not take them).</summary>
    public static readonly (string Name, string Script, string Expected)[] Quantified =
    [
        ("forall-and", """
            (declare-fun x () (_ BitVec 8))
            (assert (forall ((y (_ BitVec 8))) (= (bvand x y) y))) (check-sat)
            """, "sat"),
        ("exists-inverse", """
            (assert (not (forall ((a (_ BitVec 8))) (exists ((b (_ BitVec 8))) (= (bvadd a b) #x00))))) (check-sat)
            """, "unsat"),
    ];
}
