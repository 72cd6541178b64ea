"""The review desk: a web app over the warehouse where a supervising office reviews every report."""
