COPY ref.street_footfall (street_id, flow, footfall_index, betweenness) FROM STDIN
