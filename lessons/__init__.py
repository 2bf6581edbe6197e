"""The course on the Lessons page: texts and quizzes per language (``lessons/<lang>/``), one widget each."""
