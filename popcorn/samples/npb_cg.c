/* NPB-style CG: estimates the smallest eigenvalue of a sparse symmetric positive-definite matrix by inverse power
   iteration, each step solving A z = x with 25 unpreconditioned conjugate-gradient iterations (CSR storage). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 271828183;
static double next_random(void)
{
    state = (state * 1220703125ull) & ((1ull << 46) - 1);
    return (double)state / (double)(1ull << 46);
}

struct csr {
    int n;
    int *row_start, *column;
    double *value;
};

/* A symmetric, diagonally dominant matrix with `per_row` random off-diagonal pairs per row. */
static struct csr make_matrix(int n, int per_row)
{
    int capacity = n * (2 * per_row + 1);
    int *ri = malloc(sizeof(int) * (size_t)capacity), *ci = malloc(sizeof(int) * (size_t)capacity);
    double *v = malloc(sizeof(double) * (size_t)capacity);
    double *diagonal = calloc((size_t)n, sizeof(double));
    int count = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < per_row; k++) {
            int j = (int)(next_random() * n);
            if (j == i)
                continue;
            double a = next_random() - 0.5;
            ri[count] = i; ci[count] = j; v[count++] = a;
            ri[count] = j; ci[count] = i; v[count++] = a;
            diagonal[i] += fabs(a);
            diagonal[j] += fabs(a);
        }
    }
    for (int i = 0; i < n; i++) {
        ri[count] = i; ci[count] = i; v[count++] = diagonal[i] + 0.1 + (double)i / n;
    }
    struct csr m = {n, calloc((size_t)n + 1, sizeof(int)), malloc(sizeof(int) * (size_t)count), malloc(sizeof(double) * (size_t)count)};
    for (int k = 0; k < count; k++)
        m.row_start[ri[k] + 1]++;
    for (int i = 0; i < n; i++)
        m.row_start[i + 1] += m.row_start[i];
    int *fill = calloc((size_t)n, sizeof(int));
    for (int k = 0; k < count; k++) {
        int at = m.row_start[ri[k]] + fill[ri[k]]++;
        m.column[at] = ci[k];
        m.value[at] = v[k];
    }
    free(ri); free(ci); free(v); free(diagonal); free(fill);
    return m;
}

static void multiply(const struct csr *a, const double *x, double *y)
{
    for (int i = 0; i < a->n; i++) {
        double s = 0;
        for (int k = a->row_start[i]; k < a->row_start[i + 1]; k++)
            s += a->value[k] * x[a->column[k]];
        y[i] = s;
    }
}

static double dot(const double *x, const double *y, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

/* 25 CG iterations for A z = x; returns ||x - A z||. */
static double conjugate_gradient(const struct csr *a, const double *x, double *z, double *r, double *p, double *q)
{
    int n = a->n;
    for (int i = 0; i < n; i++) {
        z[i] = 0;
        r[i] = p[i] = x[i];
    }
    double rho = dot(r, r, n);
    for (int iteration = 0; iteration < 25; iteration++) {
        multiply(a, p, q);
        double alpha = rho / dot(p, q, n);
        for (int i = 0; i < n; i++) {
            z[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        double rho_next = dot(r, r, n);
        double beta = rho_next / rho;
        rho = rho_next;
        for (int i = 0; i < n; i++)
            p[i] = r[i] + beta * p[i];
    }
    multiply(a, z, q);
    double norm = 0;
    for (int i = 0; i < n; i++)
        norm += (x[i] - q[i]) * (x[i] - q[i]);
    return sqrt(norm);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 700;
    const int outer = 8;
    const double shift = 10.0;
    struct csr a = make_matrix(n, 5);
    double *x = malloc(sizeof(double) * (size_t)n), *z = malloc(sizeof(double) * (size_t)n);
    double *r = malloc(sizeof(double) * (size_t)n), *p = malloc(sizeof(double) * (size_t)n), *q = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++)
        x[i] = 1.0;
    printf("CG: n = %d, nonzeros = %d\n", n, a.row_start[n]);
    double zeta = 0;
    for (int it = 1; it <= outer; it++) {
        double residual = conjugate_gradient(&a, x, z, r, p, q);
        double xz = dot(x, z, n);
        zeta = shift + 1.0 / xz;
        double norm = sqrt(dot(z, z, n));
        for (int i = 0; i < n; i++)
            x[i] = z[i] / norm;
        printf("  iteration %2d  residual %.10e  zeta %.13f\n", it, residual, zeta);
    }
    printf("zeta %.13f\n", zeta);
    return 0;
}
