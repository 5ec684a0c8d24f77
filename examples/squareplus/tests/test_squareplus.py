"""squareplus checked by crossgrad: one test per quantity, and its timings."""
from crossgrad.testing import case_benchmarks, case_tests

test_squareplus = case_tests("squareplus", cases_from="../squareplus_cases.py",
                             expectations="../expectations.csv")
test_squareplus_speed = case_benchmarks("squareplus", cases_from="../squareplus_cases.py")
